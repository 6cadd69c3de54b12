package tor_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoDirectDialPath reads the package source: nothing may dial, resolve
// or fetch outside the SOCKS and control-port dialers.
func TestNoDirectDialPath(t *testing.T) {
	forbidden := map[string]bool{
		"net.Dial": true, "net.DialTimeout": true, "net.DialTCP": true, "net.DialUDP": true,
		"net.DialIP": true, "net.DialUnix": true, "net.LookupHost": true, "net.LookupIP": true,
		"net.LookupAddr": true, "net.ResolveTCPAddr": true, "net.ResolveIPAddr": true,
		"net.DefaultResolver": true, "net.Resolver": true, "http.Get": true, "http.Post": true,
		"http.Head": true, "http.DefaultClient": true, "http.DefaultTransport": true,
		"http.ProxyFromEnvironment": true, "http.ProxyURL": true, "proxy.Direct": true,
		"proxy.FromEnvironment": true, "proxy.FromURL": true,
	}
	// The only functions allowed to hold a net.Dialer: they dial endpoint
	// addresses that New checked to be IP literals.
	dialerOK := map[string]bool{"DialContext": true, "dialControl": true, "checkEndpoint": true}
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, d := range af.Decls {
			fn, _ := d.(*ast.FuncDecl)
			ast.Inspect(d, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				id, ok := sel.X.(*ast.Ident)
				if !ok {
					return true
				}
				name := id.Name + "." + sel.Sel.Name
				if forbidden[name] {
					t.Errorf("%s: uses %s", fset.Position(sel.Pos()), name)
				}
				if name == "net.Dialer" && (fn == nil || !dialerOK[fn.Name.Name]) {
					t.Errorf("%s: net.Dialer outside the endpoint dialers", fset.Position(sel.Pos()))
				}
				return true
			})
		}
	}
	if checked < 3 {
		t.Fatalf("checked %d files; wrong directory?", checked)
	}
}
