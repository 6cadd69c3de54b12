package index_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/darkwatch/darkwatch/index"
)

func TestParseSort(t *testing.T) {
	tests := []struct {
		in      string
		text    bool
		want    index.SortSpec
		wantErr bool
	}{
		{"", false, index.SortSpec{Field: "last_seen", Desc: true}, false},
		{"", true, index.SortSpec{Field: "relevance", Desc: true}, false},
		{"price", false, index.SortSpec{Field: "price"}, false},
		{"-price", false, index.SortSpec{Field: "price", Desc: true}, false},
		{"-usd", false, index.SortSpec{Field: "price", Desc: true}, false},
		{"first_seen", false, index.SortSpec{Field: "first_seen"}, false},
		{"colour", false, index.SortSpec{}, true},
	}
	for _, tc := range tests {
		got, err := index.ParseSort(tc.in, tc.text)
		if (err != nil) != tc.wantErr || (err != nil && !errors.Is(err, index.ErrBadQuery)) {
			t.Errorf("ParseSort(%q): error %v, want error %v", tc.in, err, tc.wantErr)
		}
		if got != tc.want {
			t.Errorf("ParseSort(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestParseTime(t *testing.T) {
	now := time.Date(2026, 12, 7, 23, 0, 0, 0, time.UTC)
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{"", time.Time{}, false},
		{"7d", now.AddDate(0, 0, -7), false},
		{"0d", now, false},
		{"36h", now.Add(-36 * time.Hour), false},
		{"90m", now.Add(-90 * time.Minute), false},
		{"2026-01-10", time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC), false},
		{"2026-01-10T15:04", time.Date(2026, 1, 10, 15, 4, 0, 0, time.UTC), false},
		{"2026-01-10T15:04:05.5+01:00", time.Date(2026, 1, 10, 15, 4, 5, 5e8, time.FixedZone("", 3600)), false},
		{"99999d", now.AddDate(0, 0, -99999), false},
		{"100000d", time.Time{}, true}, // bounded: AddDate of a huge count overflows
		{"-1d", time.Time{}, true},
		{"-2h", time.Time{}, true},
		{"yesterday", time.Time{}, true},
		{"2026-13-01", time.Time{}, true},
	}
	for _, tc := range tests {
		got, err := index.ParseTime(tc.in, now)
		if (err != nil) != tc.wantErr {
			t.Errorf("ParseTime(%q) error = %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if !got.Equal(tc.want) {
			t.Errorf("ParseTime(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestNormalize(t *testing.T) {
	q, _, err := index.Normalize(index.Query{Substance: []string{" Fentanyl", "fentanyl", ""}, ShipsFrom: []string{"us", "US"}, Vendor: []string{"Alpha/DrHouse"}})
	if err != nil {
		t.Fatal(err)
	}
	want := index.Query{Substance: []string{"fentanyl"}, ShipsFrom: []string{"US"}, Vendor: []string{"alpha/drhouse"}}
	if diff := cmp.Diff(want, q); diff != "" {
		t.Errorf("Normalize (-want +got):\n%s", diff)
	}
}

func TestCents(t *testing.T) {
	for in, want := range map[float64]float64{12.345: 12.35, 12.344: 12.34, 0: 0, -1.005: -1, 99.999: 100} {
		if got := index.Cents(in); got != want {
			t.Errorf("Cents(%v) = %v, want %v", in, got, want)
		}
	}
}
