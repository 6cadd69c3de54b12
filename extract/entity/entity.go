package entity

// Entity is an identifier found in text; same shape as extract.Entity.
// Kinds: pgp btc xmr ltc eth telegram session wickr threema xmpp email.
type Entity struct {
	Kind  string
	Value string
}

// Find returns all validated entities in text, deduplicated, in order of appearance.
func Find(text string) []Entity { return nil }

// PGPFingerprints parses every ASCII-armored public key block in text and
// returns full upper-case hex fingerprints.
func PGPFingerprints(text string) ([]string, error) { return nil, nil }

// ValidBTC reports whether s is a valid mainnet Bitcoin address.
func ValidBTC(s string) bool { return false }

// ValidXMR reports whether s is a valid mainnet Monero address.
func ValidXMR(s string) bool { return false }

// ValidLTC reports whether s is a valid mainnet Litecoin address.
func ValidLTC(s string) bool { return false }

// ValidETH reports whether s is a valid Ethereum address.
func ValidETH(s string) bool { return false }
