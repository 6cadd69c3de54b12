package tor

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"testing"
)

// FuzzDecodeBody: hostile servers choose Content-Encoding and body; decoding
// must never panic, and reading stays bounded by the caller's limit (the
// decoder is lazy and streaming, so a gzip bomb costs only what is read).
func FuzzDecodeBody(f *testing.F) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(bytes.Repeat([]byte("A"), 1<<16))
	zw.Close()
	f.Add("gzip", gz.Bytes())
	f.Add("deflate", []byte{0x78, 0x9c, 0x4b, 0x4c, 0x04, 0x00, 0x01, 0x24, 0x00, 0xc3})
	f.Add("deflate", []byte{0x4b, 0x4c, 0x04, 0x00})
	f.Add("x-gzip", []byte{0x1f, 0x8b, 0x08})
	f.Add("identity", []byte("plain"))
	f.Add("br", []byte{0xff})
	f.Fuzz(func(t *testing.T, enc string, body []byte) {
		resp := &http.Response{Header: http.Header{"Content-Encoding": {enc}}, Body: io.NopCloser(bytes.NewReader(body))}
		if err := decodeBody(resp); err != nil {
			return
		}
		n, _ := io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		if n > 1<<20 {
			t.Fatalf("read %d bytes past the limit", n)
		}
		resp.Body.Close()
	})
}

// FuzzControlField: control-port reply parsing (quoted, escaped values).
func FuzzControlField(f *testing.F) {
	f.Add(`NOTICE BOOTSTRAP PROGRESS=100 TAG=done SUMMARY="Done"`, "PROGRESS")
	f.Add(`METHODS=COOKIE,SAFECOOKIE COOKIEFILE="/var/lib/tor/control_auth_cookie"`, "COOKIEFILE")
	f.Add(`SOCKS_USERNAME="a\"b\\" X=1`, "SOCKS_USERNAME")
	f.Add(`K="unterminated`, "K")
	f.Fuzz(func(t *testing.T, line, key string) {
		v := field(line, key)
		if len(v) > len(line) {
			t.Fatalf("value %q longer than line %q", v, line)
		}
	})
}
