package api

import "io"

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
