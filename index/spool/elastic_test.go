package spool_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/deploy/testenv"
	"github.com/darkwatch/darkwatch/index"
	"github.com/darkwatch/darkwatch/index/elastic"
	"github.com/darkwatch/darkwatch/index/indextest"
	"github.com/darkwatch/darkwatch/index/spool"
)

// TestElasticsearchOutage stops Elasticsearch (a proxy in front of it) while records are
// written, starts it again and checks that the index ends up complete.
func TestElasticsearchOutage(t *testing.T) {
	u, err := url.Parse(testenv.ESURL(t))
	if err != nil {
		t.Fatal(err)
	}
	px := testenv.NewProxy(t, u.Host)
	prefix := fmt.Sprintf("dwtest-spool-%d-%d", os.Getpid(), time.Now().UnixNano()%1e6)
	es, err := elastic.New(elastic.Options{URLs: []string{"http://" + px.Addr()}, Prefix: prefix, MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := es.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin, _ := elastic.New(elastic.Options{URLs: []string{u.String()}, Prefix: prefix})
		admin.DeleteAll(context.Background())
		admin.Close()
	})
	s, err := spool.New(es, spool.Options{Dir: t.TempDir(), RetryInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close() // stops Run and waits for it
	go s.Run(ctx)
	ls := indextest.Listings()
	if err := s.PutListings(ctx, ls[:4]); err != nil {
		t.Fatal(err)
	}
	px.Cut()
	if err := s.PutVendors(ctx, indextest.Vendors()); err != nil {
		t.Fatalf("put vendors during outage: %v", err)
	}
	if err := s.PutListings(ctx, ls[4:]); err != nil {
		t.Fatalf("put listings during outage: %v", err)
	}
	if !s.Pending() {
		t.Fatal("nothing spooled during the outage")
	}
	if err := s.Flush(ctx); !errors.Is(err, index.ErrUnavailable) {
		t.Fatalf("Flush during outage: got %v, want ErrUnavailable", err)
	}
	if err := px.Restore(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for s.Pending() && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatalf("Flush after outage: %v", err)
	}
	res, err := s.Search(ctx, index.Query{Aggs: []string{"vendor"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != len(ls) {
		t.Errorf("got %d listings after outage, want %d", res.Total, len(ls))
	}
	v, err := s.GetVendor(ctx, "alpha/drhouse")
	if err != nil || v.Actor != "actor-1" || len(v.Substances) != 3 {
		t.Errorf("vendor after outage: %v %+v", err, v)
	}
}
