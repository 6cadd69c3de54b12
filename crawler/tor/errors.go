package tor

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
)

// Policy is what the crawl policy should do after a failed fetch.
type Policy int

const (
	// PolicyBackoff: something went wrong in Tor or on the way to it (general
	// failure, unknown code, proxy unreachable): back off with jitter.
	PolicyBackoff Policy = iota
	// PolicyHostDown: the onion service is not reachable at all (no
	// descriptor, broken descriptor, target refused): long backoff.
	PolicyHostDown
	// PolicyRetrySoon: the service exists but this attempt failed on the way
	// (introduction, rendezvous, timeout): retry soon, maybe on another
	// endpoint or circuit.
	PolicyRetrySoon
	// PolicyDrop: the address itself is wrong; retrying cannot help.
	PolicyDrop
	// PolicyAuthRequired: the service needs client authorization we lack or
	// got wrong: report to an operator.
	PolicyAuthRequired
)

func (p Policy) String() string {
	switch p {
	case PolicyBackoff:
		return "backoff"
	case PolicyHostDown:
		return "host_down"
	case PolicyRetrySoon:
		return "retry_soon"
	case PolicyDrop:
		return "drop"
	case PolicyAuthRequired:
		return "auth_required"
	}
	return fmt.Sprintf("policy(%d)", int(p))
}

// SOCKS5 reply codes, including Tor's ExtendedErrors (0xF0-0xF7).
const (
	ReplyGeneralFailure      byte = 0x01
	ReplyNotAllowed          byte = 0x02
	ReplyNetworkUnreachable  byte = 0x03
	ReplyHostUnreachable     byte = 0x04
	ReplyConnectionRefused   byte = 0x05
	ReplyTTLExpired          byte = 0x06
	ReplyCommandUnsupported  byte = 0x07
	ReplyAddrTypeUnsupported byte = 0x08
	ReplyOnionDescNotFound   byte = 0xF0 // onion service descriptor can not be found
	ReplyOnionDescInvalid    byte = 0xF1 // onion service descriptor is invalid
	ReplyOnionIntroFailed    byte = 0xF2 // introduction failed
	ReplyOnionRendFailed     byte = 0xF3 // rendezvous failed
	ReplyOnionMissingAuth    byte = 0xF4 // client authorization missing
	ReplyOnionWrongAuth      byte = 0xF5 // client authorization wrong
	ReplyOnionBadAddress     byte = 0xF6 // invalid onion address
	ReplyOnionIntroTimedOut  byte = 0xF7 // introduction timed out
)

var replyText = map[byte]string{
	ReplyGeneralFailure:      "general SOCKS server failure",
	ReplyNotAllowed:          "connection not allowed by ruleset",
	ReplyNetworkUnreachable:  "network unreachable",
	ReplyHostUnreachable:     "host unreachable",
	ReplyConnectionRefused:   "connection refused",
	ReplyTTLExpired:          "TTL expired",
	ReplyCommandUnsupported:  "command not supported",
	ReplyAddrTypeUnsupported: "address type not supported",
	ReplyOnionDescNotFound:   "onion service descriptor not found",
	ReplyOnionDescInvalid:    "onion service descriptor invalid",
	ReplyOnionIntroFailed:    "onion service introduction failed",
	ReplyOnionRendFailed:     "onion service rendezvous failed",
	ReplyOnionMissingAuth:    "onion service client authorization missing",
	ReplyOnionWrongAuth:      "onion service client authorization wrong",
	ReplyOnionBadAddress:     "invalid onion address",
	ReplyOnionIntroTimedOut:  "onion service introduction timed out",
}

// ReplyPolicy maps a SOCKS5 reply code to a crawl policy.
func ReplyPolicy(code byte) Policy {
	switch code {
	case ReplyOnionDescNotFound, ReplyOnionDescInvalid, ReplyHostUnreachable, ReplyConnectionRefused:
		return PolicyHostDown
	case ReplyOnionIntroFailed, ReplyOnionRendFailed, ReplyOnionIntroTimedOut, ReplyTTLExpired:
		return PolicyRetrySoon
	case ReplyOnionBadAddress:
		return PolicyDrop
	case ReplyOnionMissingAuth, ReplyOnionWrongAuth:
		return PolicyAuthRequired
	}
	return PolicyBackoff
}

// Sentinels, one per policy, for errors.Is on any error returned by this
// package (or wrapping one): errors.Is(err, tor.ErrHostDown).
var (
	ErrHostDown     = errors.New("tor: onion service down")
	ErrRetrySoon    = errors.New("tor: transient circuit failure")
	ErrBadAddress   = errors.New("tor: bad address")
	ErrAuthRequired = errors.New("tor: onion client authorization required")
	ErrTorFailure   = errors.New("tor: failure")
)

// Configuration and fail-closed sentinels.
var (
	// ErrNoProxy: no Tor endpoint configured; nothing can be fetched.
	ErrNoProxy = errors.New("tor: no SOCKS endpoint configured (fail-closed)")
	// ErrNoHealthyEndpoint: every endpoint is marked sick.
	ErrNoHealthyEndpoint = errors.New("tor: no healthy SOCKS endpoint")
	// ErrClearnetRefused: a non-.onion host without Options.AllowClearnet.
	ErrClearnetRefused = errors.New("tor: clearnet host refused (AllowClearnet is off)")
	// ErrClosed: the pool was closed.
	ErrClosed = errors.New("tor: pool closed")
)

func (p Policy) sentinel() error {
	switch p {
	case PolicyHostDown:
		return ErrHostDown
	case PolicyRetrySoon:
		return ErrRetrySoon
	case PolicyDrop:
		return ErrBadAddress
	case PolicyAuthRequired:
		return ErrAuthRequired
	}
	return ErrTorFailure
}

// Error is a failed dial through a Tor SOCKS endpoint.
type Error struct {
	Code     byte   // SOCKS5 reply code; 0 when the failure was not a reply (timeout, proxy down, auth)
	Op       string // "proxy dial", "socks handshake", "socks connect"
	Endpoint string // SOCKS address of the Tor client used
	Addr     string // target host:port
	Err      error  // underlying error (may be a context or net error)
}

func (e *Error) Error() string {
	msg := e.Op + " " + e.Addr + " via " + e.Endpoint
	if e.Code != 0 {
		t, ok := replyText[e.Code]
		if !ok {
			t = "unknown reply"
		}
		msg += fmt.Sprintf(": socks reply 0x%02X (%s)", e.Code, t)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return "tor: " + msg
}

func (e *Error) Unwrap() error { return e.Err }

// Policy classifies the failure for the crawl policy.
func (e *Error) Policy() Policy {
	if e.Code != 0 {
		return ReplyPolicy(e.Code)
	}
	if isTimeout(e.Err) {
		return PolicyRetrySoon
	}
	return PolicyBackoff
}

// Is makes errors.Is(err, ErrHostDown) etc. follow Policy.
func (e *Error) Is(target error) bool { return target == e.Policy().sentinel() }

// PolicyOf classifies any error from a fetch through this package: a *Error
// by its Policy, ErrClearnetRefused as PolicyDrop, timeouts as
// PolicyRetrySoon, everything else as PolicyBackoff.
func PolicyOf(err error) Policy {
	var te *Error
	switch {
	case errors.As(err, &te):
		return te.Policy()
	case errors.Is(err, ErrClearnetRefused):
		return PolicyDrop
	case isTimeout(err):
		return PolicyRetrySoon
	}
	return PolicyBackoff
}

func isTimeout(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
