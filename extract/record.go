package extract

import "github.com/darkwatch/darkwatch/extract/record"

// The record types live in extract/record so that the index, the alert engine and the API
// use them without importing the extractor; these aliases keep extract.Listing etc.

// Kinds of record and page (see record.KindListing).
const (
	KindListing      = record.KindListing
	KindVendor       = record.KindVendor
	KindInterstitial = record.KindInterstitial
	KindNotFound     = record.KindNotFound
)

// Interstitial types.
const (
	InterstitialLogin   = record.InterstitialLogin
	InterstitialCaptcha = record.InterstitialCaptcha
	InterstitialQueue   = record.InterstitialQueue
	InterstitialBlocked = record.InterstitialBlocked
)

// Listing statuses.
const (
	StatusActive  = record.StatusActive
	StatusSoldOut = record.StatusSoldOut
	StatusGone    = record.StatusGone
)

// Record types (see package record).
type (
	Price        = record.Price
	Offer        = record.Offer
	Substance    = record.Substance
	Entity       = record.Entity
	Capture      = record.Capture
	Issue        = record.Issue
	Listing      = record.Listing
	Vendor       = record.Vendor
	Observation  = record.Observation
	Interstitial = record.Interstitial
)

// URLKey extracts a listing key from a URL (record.URLKey).
func URLKey(raw string) string { return record.URLKey(raw) }

// MergePart fills the fields of listing l that its part record p carries and l lacks
// (record.MergePart).
func MergePart(l, p Listing) Listing { return record.MergePart(l, p) }
