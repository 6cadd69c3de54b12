package api

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed ui
var uiFS embed.FS

var tmpl = template.Must(template.ParseFS(uiFS, "ui/*.html"))

type uiPage struct {
	path, name, title, role string
}

// uiPages are the pages of the web UI. Each is a shell (ui/layout.html); app.js fills it
// from the JSON API, with textContent only.
var uiPages = []uiPage{
	{"/{$}", "search", "Search", RoleAnalyst},
	{"/listing", "listing", "Listing", RoleAnalyst},
	{"/vendor", "vendor", "Vendor", RoleAnalyst},
	{"/actor", "actor", "Actor", RoleAnalyst},
	{"/alerts", "alerts", "Alerts", RoleAnalyst},
	{"/markets", "markets", "Markets", RoleAnalyst},
	{"/untagged", "untagged", "Untagged offers", RoleAnalyst},
	{"/audit", "audit", "Audit log", RoleAdmin},
}

type pageData struct {
	Page, Title, User, Role string
	Admin                   bool
	Error                   bool
	Next                    string
}

func (s *Server) page(p uiPage) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		pr := principalFrom(r.Context())
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		return tmpl.ExecuteTemplate(w, "layout.html", pageData{Page: p.name, Title: p.title, User: pr.Name, Role: pr.Role,
			Admin: pr.Role == RoleAdmin})
	}
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = tmpl.ExecuteTemplate(w, "login.html", pageData{Title: "Log in", Error: r.URL.Query().Get("error") != "",
		Next: safeNext(r.URL.Query().Get("next"))})
}

// staticHandler serves the embedded assets: files only, never a directory listing.
func staticHandler() http.Handler {
	sub, err := fs.Sub(uiFS, "ui/static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Path
		if st, err := fs.Stat(sub, name); name == "" || strings.HasSuffix(name, "/") || !fs.ValidPath(name) || err != nil || st.IsDir() {
			http.NotFound(w, r)
			return
		}
		files.ServeHTTP(w, r)
	})
}
