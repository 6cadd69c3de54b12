package extract

// Structured data: schema.org JSON-LD and microdata Product/Offer.

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
)

// jsonLDListings reads schema.org Product/Offer objects from JSON-LD scripts.
func jsonLDListings(pc *pageCtx) []*lDraft {
	var out []*lDraft
	for n := range pc.all(tagJSONLD) {
		raw := ""
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			raw += c.Data
		}
		if len(raw) > 1<<20 {
			continue
		}
		var v any
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			continue
		}
		walkLD(pc, v, &out, 0)
	}
	return out
}

func walkLD(pc *pageCtx, v any, out *[]*lDraft, depth int) {
	if depth > 8 || len(*out) > 500 {
		return
	}
	switch t := v.(type) {
	case []any:
		for _, e := range t {
			walkLD(pc, e, out, depth+1)
		}
	case map[string]any:
		typ := fmt.Sprint(t["@type"])
		if strings.Contains(typ, "Product") || (strings.Contains(typ, "Offer") && t["itemOffered"] != nil) {
			*out = append(*out, ldProduct(pc, t))
			return
		}
		for _, k := range []string{"@graph", "itemListElement", "item", "mainEntity"} {
			if e, ok := t[k]; ok {
				walkLD(pc, e, out, depth+1)
			}
		}
	}
}

func ldString(v any) string {
	switch t := v.(type) {
	case string:
		return strings.TrimSpace(t)
	case float64:
		return fmt.Sprint(t)
	case map[string]any:
		if s := ldString(t["name"]); s != "" {
			return s
		}
		return ldString(t["@id"])
	case []any:
		if len(t) > 0 {
			return ldString(t[0])
		}
	}
	return ""
}

func ldProduct(pc *pageCtx, m map[string]any) *lDraft {
	if io, ok := m["itemOffered"].(map[string]any); ok {
		merged := map[string]any{}
		for k, v := range io {
			merged[k] = v
		}
		merged["offers"] = m
		m = merged
	}
	d := &lDraft{}
	d.l.Title = oneLine(ldString(m["name"]))
	d.l.Description = ldString(m["description"])
	d.l.Category = ldString(m["category"])
	if u := ldString(m["url"]); u != "" {
		d.l.URL = pc.abs(u)
	}
	if sku := ldString(m["sku"]); sku != "" {
		d.l.ID = sku
	} else if pid := ldString(m["productID"]); pid != "" {
		d.l.ID = pid
	}
	offers := m["offers"]
	if l, ok := offers.([]any); ok && len(l) > 0 {
		offers = l[0]
	}
	if o, ok := offers.(map[string]any); ok {
		p := ldString(o["price"])
		if p == "" {
			p = ldString(o["lowPrice"])
		}
		cur := ldString(o["priceCurrency"])
		if p != "" {
			d.price = p + " " + cur
			d.currency = strings.ToUpper(cur)
		}
		if s := o["seller"]; s != nil {
			d.l.Vendor = ldString(s)
			if sm, ok := s.(map[string]any); ok {
				if u := ldString(sm["url"]); u != "" {
					d.vendorURL = pc.abs(u)
				}
			}
		}
		if av := strings.ToLower(ldString(o["availability"])); strings.Contains(av, "outofstock") || strings.Contains(av, "soldout") {
			d.l.Status = StatusSoldOut
		}
		d.l.ShipsFromRaw = ldString(o["availableAtOrFrom"])
		d.l.ShipsToRaw = ldString(o["eligibleRegion"])
		if d.l.ShipsToRaw == "" {
			d.l.ShipsToRaw = ldString(o["areaServed"])
		}
	}
	if d.l.Vendor == "" {
		d.l.Vendor = ldString(m["brand"])
	}
	return d
}

// microdataListings reads itemscope Product items.
func microdataListings(pc *pageCtx) []*lDraft {
	var out []*lDraft
	if ts := pc.pageTokens(); !ts.all && !ts.itemscope {
		return nil // no element has the attribute
	}
	for _, n := range pc.doc.FindMatcher(selMicrodata).Nodes {
		s := goquery.NewDocumentFromNode(n).Selection
		prop := func(name string) (string, *html.Node) {
			e := s.Find(`[itemprop="` + name + `"]`).First()
			if len(e.Nodes) == 0 {
				return "", nil
			}
			en := e.Nodes[0]
			for _, a := range []string{"content", "href", "value"} {
				if v := attr(en, a); v != "" && !(a == "href" && name != "url") {
					return strings.TrimSpace(v), en
				}
			}
			return oneLine(nodeText(en)), en
		}
		d := &lDraft{}
		d.l.Title, _ = prop("name")
		d.l.Description, _ = prop("description")
		d.l.Category, _ = prop("category")
		if u, en := prop("url"); u != "" {
			if en != nil && attr(en, "href") != "" {
				u = attr(en, "href")
			}
			d.l.URL = pc.abs(u)
		}
		p, _ := prop("price")
		cur, _ := prop("priceCurrency")
		if p != "" {
			d.price = p + " " + cur
			d.currency = strings.ToUpper(cur)
		}
		if v, en := prop("seller"); v != "" {
			d.l.Vendor = cleanHandle(v)
			if en != nil {
				if a := firstLink(en); a != nil {
					d.vendorURL = pc.abs(attr(a, "href"))
				}
			}
		}
		if sku, _ := prop("sku"); sku != "" {
			d.l.ID = sku
		}
		if d.l.Title != "" {
			out = append(out, d)
		}
	}
	return out
}
