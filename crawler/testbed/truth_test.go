package testbed_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"html"
	"math/big"
	"net/url"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"golang.org/x/text/encoding/charmap"

	"github.com/darkwatch/darkwatch/crawler/testbed"
	"github.com/darkwatch/darkwatch/extract"
	"github.com/darkwatch/darkwatch/extract/substance"
)

func pageText(t *testing.T, w *testbed.World, market, rawURL string) (int, string) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	st, ct, body, err := w.Page(market, u.RequestURI())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(ct, "windows-1251") {
		if !bytes.Contains(body, []byte(`charset=windows-1251`)) {
			t.Errorf("%s: windows-1251 page without meta charset", rawURL)
		}
		dec, err := charmap.Windows1251.NewDecoder().Bytes(body)
		if err != nil {
			t.Fatalf("%s: decode windows-1251: %v", rawURL, err)
		}
		body = dec
	}
	return st, html.UnescapeString(string(body))
}

// TestTruthMatchesPages checks that what the truth says is on each page is on it.
func TestTruthMatchesPages(t *testing.T) {
	w := newWorld(t, testbed.Options{Seed: 21, Day: 3, Listings: 60})
	truth := w.Truth()
	cp1251 := 0
	for _, l := range truth.Listings {
		st, text := pageText(t, w, l.Market, l.URL)
		if st != 200 {
			t.Errorf("%s: status %d", l.URL, st)
			continue
		}
		want := []string{l.Title, l.Vendor, l.ShipsFromRaw, l.ShipsToRaw, l.Category}
		want = append(want, strings.Split(l.Description, "\n")...)
		for _, o := range l.Offers {
			want = append(want, priceText(o.Price))
		}
		for _, s := range want {
			if !strings.Contains(text, s) {
				t.Errorf("%s: page lacks %q", l.ID, s)
			}
		}
		if l.Price != l.Offers[0].Price {
			t.Errorf("%s: headline price %+v is not the first tier", l.ID, l.Price)
		}
		if l.Status == extract.StatusSoldOut && !strings.Contains(strings.ToLower(text), "sold out") && !strings.Contains(text, "Нет в наличии") && !strings.Contains(text, "Out of stock") {
			t.Errorf("%s: sold out in truth, not on page", l.ID)
		}
		for _, s := range l.Substances {
			c, ok := substance.LookupCanon(s.Name)
			if !ok || c.Class != s.Class || c.Family != s.Family {
				t.Errorf("%s: substance %+v not canonical", l.ID, s)
			}
		}
		if l.DrugOffer != (len(l.Substances) > 0) {
			t.Errorf("%s: drug_offer %v with %d substances", l.ID, l.DrugOffer, len(l.Substances))
		}
		if strings.Contains(l.URL, "/product/") && l.Market == truth.Markets[1].Name {
			u, _ := url.Parse(l.URL)
			_, ct, _, _ := w.Page(l.Market, u.RequestURI())
			if strings.Contains(ct, "1251") {
				cp1251++
			}
		}
	}
	if cp1251 == 0 {
		t.Error("no windows-1251 product pages")
	}
	for _, v := range truth.Vendors {
		st, text := pageText(t, w, v.Market, v.URL)
		if st != 200 {
			t.Errorf("%s: status %d", v.URL, st)
			continue
		}
		i := strings.Index(text, "-----BEGIN PGP PUBLIC KEY BLOCK-----")
		if i < 0 {
			t.Errorf("%s: no PGP block", v.ID)
			continue
		}
		ents, err := openpgp.ReadArmoredKeyRing(strings.NewReader(text[i:]))
		if err != nil || len(ents) != 1 {
			t.Errorf("%s: PGP block does not parse: %v", v.ID, err)
			continue
		}
		if fp := fmt.Sprintf("%X", ents[0].PrimaryKey.Fingerprint); len(v.PGP) != 1 || v.PGP[0] != fp {
			t.Errorf("%s: truth pgp %v, page key %s", v.ID, v.PGP, fp)
		}
		for _, e := range v.Entities {
			if !strings.Contains(strings.ToLower(text), e.Value) && !strings.Contains(text, e.Value) {
				t.Errorf("%s: entity %s %q not on page", v.ID, e.Kind, e.Value)
			}
			switch e.Kind {
			case "btc":
				if !validBTC(e.Value) {
					t.Errorf("%s: invalid btc address %s", v.ID, e.Value)
				}
			case "xmr":
				if len(e.Value) != 95 || e.Value[0] != '4' {
					t.Errorf("%s: bad xmr address %s", v.ID, e.Value)
				}
			case "session":
				if len(e.Value) != 66 || !strings.HasPrefix(e.Value, "05") {
					t.Errorf("%s: bad session id %s", v.ID, e.Value)
				}
			}
		}
	}
	// actors: vendors of one shared actor really share what the link says
	byID := map[string]extract.Vendor{}
	for _, v := range truth.Vendors {
		byID[v.ID] = v
	}
	shared := 0
	for _, a := range truth.Actors {
		if len(a.Vendors) < 2 {
			continue
		}
		shared++
		first := byID[a.Vendors[0]]
		for _, id := range a.Vendors[1:] {
			v := byID[id]
			if v.Actor != a.ID {
				t.Errorf("vendor %s actor %s, listed under %s", id, v.Actor, a.ID)
			}
			switch a.Link {
			case "pgp":
				if v.PGP[0] != first.PGP[0] {
					t.Errorf("actor %s linked by pgp but %s and %s differ", a.ID, first.ID, id)
				}
			case "btc", "contact":
				if !shareEntity(first, v, a.Link) {
					t.Errorf("actor %s linked by %s but %s and %s share none", a.ID, a.Link, first.ID, id)
				}
			}
		}
	}
	if shared == 0 {
		t.Error("no actor with several vendors")
	}
}

func shareEntity(a, b extract.Vendor, link string) bool {
	for _, x := range a.Entities {
		for _, y := range b.Entities {
			if x == y && (link == "btc") == (x.Kind == "btc") {
				return true
			}
		}
	}
	return false
}

func priceText(p extract.Price) string {
	switch p.Currency {
	case "USD":
		return fmt.Sprintf("%.2f", p.Amount)
	case "EUR":
		return fmt.Sprintf("€%.2f", p.Amount)
	case "RUB":
		s := fmt.Sprintf("%.0f", p.Amount)
		var b strings.Builder
		for i, c := range s {
			if i > 0 && (len(s)-i)%3 == 0 {
				b.WriteByte(' ')
			}
			b.WriteRune(c)
		}
		return b.String() + " руб."
	}
	return fmt.Sprint(p.Amount)
}

// validBTC checks base58check P2PKH/P2SH or bech32 (BIP-173) checksums.
func validBTC(a string) bool {
	if strings.HasPrefix(a, "bc1") {
		const cs = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
		gen := []uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
		vals := []byte{3, 3, 0, 2, 3} // hrp "bc" expanded
		for _, c := range a[3:] {
			i := strings.IndexRune(cs, c)
			if i < 0 {
				return false
			}
			vals = append(vals, byte(i))
		}
		chk := uint32(1)
		for _, v := range vals {
			b := chk >> 25
			chk = (chk&0x1ffffff)<<5 ^ uint32(v)
			for i := 0; i < 5; i++ {
				if (b>>i)&1 == 1 {
					chk ^= gen[i]
				}
			}
		}
		return chk == 1
	}
	const alpha = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	x := new(big.Int)
	for _, c := range a {
		i := strings.IndexRune(alpha, c)
		if i < 0 {
			return false
		}
		x.Mul(x, big.NewInt(58))
		x.Add(x, big.NewInt(int64(i)))
	}
	b := x.Bytes()
	for _, c := range a {
		if c != '1' {
			break
		}
		b = append([]byte{0}, b...)
	}
	if len(b) != 25 || (a[0] != '1' && a[0] != '3') {
		return false
	}
	h1 := sha256.Sum256(b[:21])
	h2 := sha256.Sum256(h1[:])
	return bytes.Equal(h2[:4], b[21:])
}
