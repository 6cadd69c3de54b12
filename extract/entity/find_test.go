package entity_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/darkwatch/darkwatch/extract/entity"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

type E = entity.Entity

const session = "05a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"

func TestFind(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []E
	}{
		{"telegram label", "Contact: Telegram: @DrugKing_99", []E{{"telegram", "drugking_99"}}},
		{"telegram label no at", "telegram - kingshop", []E{{"telegram", "kingshop"}}},
		{"tg label", "TG: @fastmeds", []E{{"telegram", "fastmeds"}}},
		{"t.me link", "join https://t.me/SomeShop for updates", []E{{"telegram", "someshop"}}},
		{"telegram.me link", "telegram.me/other_shop", []E{{"telegram", "other_shop"}}},
		{"t.me joinchat skipped", "https://t.me/joinchat/AAAAAE", nil},
		{"telegram context handle", "Message me on Telegram, I am @vendor_one", []E{{"telegram", "vendor_one"}}},
		{"russian telegram", "Телеграм: @shop_msk", []E{{"telegram", "shop_msk"}}},
		{"bare handle ignored", "follow @twitterguy for news", nil},
		{"short handle ignored", "telegram: @abc", nil},
		{"labelled 4-char handle", "Telegram: @a_12", []E{{"telegram", "a_12"}}},
		{"bare 4-char handle ignored", "on telegram, @a_12", nil},
		{"wickr", "Wickr: kingpin99", []E{{"wickr", "kingpin99"}}},
		{"wickr me id", "wickr me ID: Kingpin.99", []E{{"wickr", "kingpin.99"}}},
		{"wickr available ignored", "wickr: available on request", nil},
		{"wickr just ask ignored", "WiCKR : just ask me", nil},
		{"wickr me dash", "- Wickr Me - Bru89", []E{{"wickr", "bru89"}}},
		{"telegram glued", "send me to Telegram@Pinfern0", []E{{"telegram", "pinfern0"}}},
		{"threema", "Threema ID: ABCD1234", []E{{"threema", "abcd1234"}}},
		{"threema star", "threema: *ABCD123", []E{{"threema", "*abcd123"}}},
		{"threema lower ignored", "threema: abcd1234", nil},
		{"session", "Session: " + session, []E{{"session", session}}},
		{"session upper", "session id " + strings.ToUpper(session), []E{{"session", session}}},
		{"session too long", "hash " + session + "ab", nil},
		{"jabber context", "Jabber: King@Exploit.im", []E{{"xmpp", "king@exploit.im"}}},
		{"xmpp known host", "add me secretshop@jabber.calyxinstitute.org", []E{{"xmpp", "secretshop@jabber.calyxinstitute.org"}}},
		{"email", "email me: King@Proton.me.", []E{{"email", "king@proton.me"}}},
		{"email vs jabber", "Jabber: a_shop@xmpp.jp  Email: a.shop@protonmail.com", []E{{"xmpp", "a_shop@xmpp.jp"}, {"email", "a.shop@protonmail.com"}}},
		{"image not email", "logo@2x.png", nil},
		{"btc", "Send to 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa now", []E{{"btc", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"}}},
		{"btc bech32 upper normalised", "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", []E{{"btc", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"}}},
		{"btc bad checksum", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", nil},
		{"xmr", "XMR: 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A", []E{{"xmr", "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"}}},
		{"eth lower normalised to EIP-55", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", []E{{"eth", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}}},
		{"eth bad checksum", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", nil},
		{"dedup in order", "t.me/shop_one, wickr: shop_two, t.me/Shop_One", []E{{"telegram", "shop_one"}, {"wickr", "shop_two"}}},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		got := entity.Find(tt.in)
		if d := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("%s: Find(%q) (-want +got):\n%s", tt.name, tt.in, d)
		}
	}
}

func TestFindLTCAndBTC(t *testing.T) {
	ltc := b58check(0x30, seq(20, 1))
	ltcBech := segwitEncode("ltc", 0, seq(20, 4), false)
	p2sh := b58check(0x05, seq(20, 9))
	got := entity.Find("LTC " + ltc + " or " + ltcBech + " BTC " + p2sh)
	want := []E{{"ltc", ltc}, {"ltc", ltcBech}, {"btc", p2sh}} // "3..." is reported as btc
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Find (-want +got):\n%s", d)
	}
}

// TestFindPGPMasks: hex runs inside a key block are not session ids, and
// the block yields its fingerprint at the block's position.
func TestFindPGPMasks(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "ed25519_v4.asc"))
	if err != nil {
		t.Fatal(err)
	}
	block := strings.Replace(string(b), "\n\n", "\nComment: "+session+"\n\n", 1)
	in := "wickr: first_one\n" + block + "\nemail: z@example.org"
	got := entity.Find(in)
	want := []E{{"wickr", "first_one"}, {"pgp", "82A316E3D2752DE32105F1E21CF5417872914214"}, {"email", "z@example.org"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Find (-want +got):\n%s", d)
	}
}

// TestFindRealPages runs Find over real vendor pages and checks that every
// entity it reports is of a known kind and that the vendor key is found.
func TestFindRealPages(t *testing.T) {
	dir := sharedData(t)
	b, err := os.ReadFile(filepath.Join(dir, "msc-darkweb-scraping", "dream", "html_files", "sellers", "seller_0.html"))
	if err != nil {
		t.Skip(err)
	}
	got := entity.Find(string(b))
	found := false
	for _, e := range got {
		if e.Kind == "pgp" && e.Value == "CADFC78BCB67070C0C2D141923A5B750309D62E5" {
			found = true
		}
	}
	if !found {
		t.Errorf("Find(seller_0.html) = %v, want the vendor PGP fingerprint", got)
	}
	t.Logf("seller_0.html: %v", got)
}
