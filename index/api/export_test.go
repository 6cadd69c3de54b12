package api

import (
	"io"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// NewWithAuditWriter is New with every audit write going through wrap(file) first (a
// writer that fails like a full disk).
func NewWithAuditWriter(opts Options, wrap func(io.Writer) io.Writer) (*Server, error) {
	return newServer(opts, func(f auditFile) auditFile { return wrappedFile{wrap(f), f} })
}

type wrappedFile struct {
	io.Writer
	f auditFile
}

func (w wrappedFile) Sync() error  { return w.f.Sync() }
func (w wrappedFile) Close() error { return w.f.Close() }

// OnPasswordCheck sets a hook called when a password check starts (before bcrypt).
func (s *Server) OnPasswordCheck(f func()) { s.auth.onCheck = f }

// LoginTableSizes reports the addresses and accounts the login limiter tracks.
func (s *Server) LoginTableSizes() (int, int) { return s.auth.limit.sizes() }

// SafeNext is the post-login redirect filter.
var SafeNext = safeNext

// CountBcryptRounds makes every password check add the bcrypt rounds (2^cost) of each hash
// it compares to the returned counter, which reads and resets it.
func (s *Server) CountBcryptRounds() func() int {
	var mu sync.Mutex
	rounds := 0
	inner := s.auth.compare
	s.auth.compare = func(hash, pw []byte) error {
		if c, err := bcrypt.Cost(hash); err == nil {
			mu.Lock()
			rounds += 1 << c
			mu.Unlock()
		}
		return inner(hash, pw)
	}
	return func() int {
		mu.Lock()
		defer mu.Unlock()
		n := rounds
		rounds = 0
		return n
	}
}
