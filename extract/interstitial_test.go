package extract

import "testing"

// TestInterstitialShapes: the shapes of real markets' walls (written from the patterns of
// shared/data/more-markets, not copied): strike and ban notices, anti-phishing and
// per-character DDoS CAPTCHAs, and pages that are not walls.
func TestInterstitialShapes(t *testing.T) {
	x := testExtractor(t)
	for _, c := range []struct {
		name, body, kind, typ string
	}{
		{"strike notice", `<html><head><title>Guardian</title></head><body><h1>Security breach detected</h1><p>You tried to perform an illegal action. This is your: 2nd Strike.</p></body></html>`, KindInterstitial, InterstitialBlocked},
		{"ban with refresh", `<html><head><meta http-equiv="refresh" content="10"><title>DDoS Protection</title></head><body><p>3rd and last Strike. Maximum Strikes reached! Get a new Tor identity.</p></body></html>`, KindInterstitial, InterstitialBlocked},
		{"account suspended", `<html><body><h2>Notice</h2><p>Your account has been temporarily suspended.</p></body></html>`, KindInterstitial, InterstitialBlocked},
		{"anti-phishing title", `<html><head><title>Anti-Phishing - Some Market</title></head><body><form method="post"><input type="text" name="chars" maxlength="6"><button>Check</button></form></body></html>`, KindInterstitial, InterstitialCaptcha},
		{"one box per character", `<html><head><title>DDoS Protection</title></head><body><form method="post"><input type="text" name="c1" maxlength="1"><input type="text" name="c2" maxlength="1"><input type="text" name="c3" maxlength="1"><button>Submit</button></form></body></html>`, KindInterstitial, InterstitialCaptcha},
		{"mirror check", `<html><head><title>Shop - DEFENDER</title></head><body><p>Let's make sure you're on a genuine mirror. Type the 6 fully covered characters into the box.</p><form method="post"><input name="cap"><button>Submit</button></form></body></html>`, KindInterstitial, InterstitialCaptcha},
		{"wait page", `<html><head><title>Some Market</title></head><body><h1>Checking your browser before accessing Some Market</h1><p>Please allow up to 30 seconds...</p></body></html>`, KindInterstitial, InterstitialQueue},
		{"search box is no captcha", `<html><head><title>Shop - Search</title></head><body><form action="/search"><input type="text" name="q" maxlength="80"></form><p>No results.</p></body></html>`, KindOther, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := x.Extract(Page{URL: "http://somemarket.onion/x", Body: []byte(c.body)}, "generic")
			if err != nil {
				t.Fatal(err)
			}
			typ := ""
			if res.Interstitial != nil {
				typ = res.Interstitial.Type
			}
			if res.Kind != c.kind || typ != c.typ {
				t.Errorf("kind %q type %q, want %q %q", res.Kind, typ, c.kind, c.typ)
			}
		})
	}
}

// TestAnnouncementIsNoWall: a normal home page (categories, an exchange table, six
// featured cards) whose announcement line names the DDoS filter and its strikes is a
// category page, not a queue or ban wall: a wall is the page's main content.
func TestAnnouncementIsNoWall(t *testing.T) {
	x := testExtractor(t)
	res, err := x.Extract(Page{URL: "http://cobaltgrid.onion/", Body: readPage(t, "grid_home_announcement")}, "generic")
	if err != nil {
		t.Fatal(err)
	}
	if res.Interstitial != nil || res.Kind != KindCategory || len(res.Listings) != 6 {
		t.Errorf("kind %q interstitial %+v, %d listings; want category, none, 6", res.Kind, res.Interstitial, len(res.Listings))
	}
}
