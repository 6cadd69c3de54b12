package testenv_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esapi"
	"github.com/redis/go-redis/v9"

	"github.com/darkwatch/darkwatch/deploy/testenv"
)

// These smoke tests prove that the services started by deploy/dev/services.sh are real and
// usable by the clients darkwatch uses. They skip without the DARKWATCH_TEST_* variables
// and fail without them when CI=true.

func TestServiceRedis(t *testing.T) {
	url := testenv.RedisURL(t)
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("parse %s: %v", url, err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()

	pong, err := rdb.Ping(ctx).Result()
	if err != nil {
		t.Fatalf("PING %s: %v", url, err)
	}
	if pong != "PONG" {
		t.Fatalf("PING: got %q, want PONG", pong)
	}

	key := fmt.Sprintf("darkwatch:smoke:%d", time.Now().UnixNano())
	want := "listing-" + key
	if err := rdb.Set(ctx, key, want, time.Minute).Err(); err != nil {
		t.Fatalf("SET %s: %v", key, err)
	}
	got, err := rdb.Get(ctx, key).Result()
	if err != nil {
		t.Fatalf("GET %s: %v", key, err)
	}
	if got != want {
		t.Fatalf("GET %s: got %q, want %q", key, got, want)
	}
	n, err := rdb.Del(ctx, key).Result()
	if err != nil {
		t.Fatalf("DEL %s: %v", key, err)
	}
	if n != 1 {
		t.Fatalf("DEL %s: got %d keys deleted, want 1", key, n)
	}
	if err := rdb.Get(ctx, key).Err(); !errors.Is(err, redis.Nil) {
		t.Fatalf("GET after DEL: got err %v, want redis.Nil", err)
	}
	t.Logf("redis %s: PING, SET/GET, DEL ok", url)
}

func TestServiceElasticsearch(t *testing.T) {
	url := testenv.ESURL(t)
	es, err := elasticsearch.NewClient(elasticsearch.Config{Addresses: []string{url}})
	if err != nil {
		t.Fatalf("client for %s: %v", url, err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()

	// decode checks one response and decodes its JSON body, failing the test on an error.
	decode := func(what string, res *esapi.Response, err error, into any) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		defer res.Body.Close()
		if res.IsError() {
			t.Fatalf("%s: %s", what, res.String())
		}
		if err := json.NewDecoder(res.Body).Decode(into); err != nil {
			t.Fatalf("%s: decode: %v", what, err)
		}
	}

	res, err := es.Cluster.Health(es.Cluster.Health.WithContext(ctx),
		es.Cluster.Health.WithWaitForStatus("yellow"), es.Cluster.Health.WithTimeout(30*time.Second))
	var health struct {
		Status      string `json:"status"`
		ClusterName string `json:"cluster_name"`
	}
	decode("cluster health", res, err, &health)
	if health.Status != "yellow" && health.Status != "green" {
		t.Fatalf("cluster health: got status %q, want yellow or green", health.Status)
	}
	t.Logf("elasticsearch %s: cluster %q health %s", url, health.ClusterName, health.Status)

	index := fmt.Sprintf("darkwatch-smoke-%d", time.Now().UnixNano())
	t.Cleanup(func() {
		res, err := es.Indices.Delete([]string{index})
		if err == nil {
			res.Body.Close()
		}
	})
	const id = "listing-1"
	doc := map[string]any{"title": "10x oxycodone 80mg", "market": "smoke", "price_usd": 120.5}
	body, _ := json.Marshal(doc)
	res, err = es.Index(index, bytes.NewReader(body), es.Index.WithContext(ctx),
		es.Index.WithDocumentID(id), es.Index.WithRefresh("true"))
	var indexed struct {
		Result string `json:"result"`
	}
	decode("index", res, err, &indexed)
	if indexed.Result != "created" {
		t.Fatalf("index: got result %q, want created", indexed.Result)
	}

	res, err = es.Get(index, id, es.Get.WithContext(ctx))
	var got struct {
		Found  bool           `json:"found"`
		Source map[string]any `json:"_source"`
	}
	decode("get", res, err, &got)
	if !got.Found || got.Source["title"] != doc["title"] || got.Source["price_usd"] != doc["price_usd"] {
		t.Fatalf("get: got found=%v source=%v, want %v", got.Found, got.Source, doc)
	}

	res, err = es.Delete(index, id, es.Delete.WithContext(ctx), es.Delete.WithRefresh("true"))
	var deleted struct {
		Result string `json:"result"`
	}
	decode("delete", res, err, &deleted)
	if deleted.Result != "deleted" {
		t.Fatalf("delete: got result %q, want deleted", deleted.Result)
	}

	res, err = es.Get(index, id, es.Get.WithContext(ctx))
	if err != nil {
		t.Fatalf("get after delete: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != 404 {
		t.Fatalf("get after delete: got HTTP %d, want 404", res.StatusCode)
	}
	t.Logf("elasticsearch %s: index/get/delete of %s/%s ok", url, index, id)
}

func TestServiceTorSocks(t *testing.T) {
	addr := testenv.TorSocks(t)
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial SOCKS %s: %v", addr, err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))

	// RFC 1928 greeting: version 5, one method, "no authentication required".
	if _, err := conn.Write([]byte{0x05, 0x01, 0x00}); err != nil {
		t.Fatalf("SOCKS greeting: %v", err)
	}
	reply := make([]byte, 2)
	if _, err := io.ReadFull(conn, reply); err != nil {
		t.Fatalf("SOCKS method reply: %v", err)
	}
	if want := []byte{0x05, 0x00}; !bytes.Equal(reply, want) {
		t.Fatalf("SOCKS method reply: got % x, want % x", reply, want)
	}
	t.Logf("tor SOCKS %s: SOCKS5 method negotiation ok", addr)
}

func TestServiceTorControl(t *testing.T) {
	addr, cookiePath := testenv.TorControl(t)
	cookie, err := os.ReadFile(cookiePath)
	if err != nil {
		t.Fatalf("read control cookie: %v", err)
	}
	if len(cookie) != 32 {
		t.Fatalf("control cookie %s: got %d bytes, want 32", cookiePath, len(cookie))
	}
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial control %s: %v", addr, err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	c := textproto.NewConn(nc)

	cmd := func(want int, format string, args ...any) string {
		t.Helper()
		if err := c.PrintfLine(format, args...); err != nil {
			t.Fatalf("control %s: send: %v", strings.Fields(format)[0], err)
		}
		_, msg, err := c.ReadResponse(want)
		if err != nil {
			t.Fatalf("control %s: %v", strings.Fields(format)[0], err)
		}
		return msg
	}

	info := cmd(250, "PROTOCOLINFO 1")
	if !strings.Contains(info, "COOKIE") {
		t.Fatalf("PROTOCOLINFO: got %q, want the COOKIE auth method", info)
	}
	cmd(250, "AUTHENTICATE %s", hex.EncodeToString(cookie))
	phase := cmd(250, "GETINFO status/bootstrap-phase")
	if !strings.Contains(phase, "status/bootstrap-phase=") || !strings.Contains(phase, "PROGRESS=") {
		t.Fatalf("GETINFO status/bootstrap-phase: got %q", phase)
	}
	version := cmd(250, "GETINFO version")
	t.Logf("tor control %s: %s; %s", addr, strings.ReplaceAll(version, "\n", " "), strings.ReplaceAll(phase, "\n", " "))
	_ = c.PrintfLine("QUIT")
}
