// Package entity finds identifiers in page text: PGP key fingerprints,
// crypto addresses and contact handles.
//
// PGPFingerprints parses ASCII-armored public key blocks with
// github.com/ProtonMail/go-crypto/openpgp after repairing common HTML
// damage (lost blank line, joined lines, <br>, bad checksum line) and
// returns upper-case hex fingerprints (40 digits v4, 64 digits v5/v6).
//
// Addresses are reported only when they validate: Bitcoin base58check
// (0x00/0x05) and bech32/bech32m segwit "bc1" (mainnet only; testnet and
// regtest are rejected), Litecoin L/M/3 and "ltc1", Monero standard,
// subaddress and integrated (Monero base58 + Keccak-256), Ethereum 0x+40
// hex with EIP-55 when mixed case (reported in EIP-55 form). A "3..."
// address is byte-identical for Bitcoin and Litecoin; Find reports it as btc.
//
// Contacts need a label or nearby context: Telegram (t.me links,
// "telegram:"/"tg:" labels, @handles near the word telegram), Session ids
// (66 hex digits starting 05), Wickr ("wickr:", "wickr me"), Threema
// (8 characters [A-Z0-9*] after "threema"), XMPP (user@host after a
// jabber/xmpp label or on a known XMPP host) and email. Contact values are
// normalised to lower case (Threema ids too, as extract.Entity documents). Text inside PGP blocks is
// masked before the other scans.
//
// Package entity is a leaf: it must not import extract or any other
// darkwatch package. All functions are safe for concurrent use; input is
// bounded (MaxInput, MaxPGPBlock, MaxPGPBlocks) and all regular
// expressions are RE2 (linear time).
package entity
