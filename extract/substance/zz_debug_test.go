package substance

import (
	"strings"
	"time"
	"fmt"
	"os"
	"sort"
	"testing"
)

func TestZZDebugMorph(t *testing.T) {
	if os.Getenv("ZZ") == "" {
		t.Skip()
	}
	rows := loadDNM(t)
	tg := Default()
	cnt := map[string][2]int{}
	ex := map[string]string{}
	for _, r := range rows {
		res := tg.Tag(r.title)
		for _, m := range res.Substances {
			if m.Confidence != morphConfidence {
				continue
			}
			k := m.Name + "\t" + m.Class + "/" + m.Family
			v := cnt[k]
			if r.want.drug {
				v[0]++
			} else {
				v[1]++
				ex[k] = r.label + " | " + r.title
			}
			cnt[k] = v
		}
	}
	var ks []string
	for k := range cnt {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	for _, k := range ks {
		fmt.Printf("%5d %5d %s %s\n", cnt[k][0], cnt[k][1], k, ex[k])
	}
}

func TestZZOne(t *testing.T) {
	for _, s := range []string{"Flunitrazolam 500mg", "Fluclotizolam pellets 0.25mg x50", "2C-T-7 20mg x10", "25N-NBOMe blotters 500ug", "4-AcO-MET 1g", "1V-LSD 150ug blotters", "3-MeO-PCE 1g"} {
		fmt.Printf("%q %+v\n", s, Default().Tag(s))
	}
}

func TestZZPurity(t *testing.T) {
	if os.Getenv("ZZ") == "" {
		t.Skip()
	}
	rows := loadDNM(t)
	tg := Default()
	type st struct{ n, named, same int; cls map[string]int }
	m := map[string]*st{}
	for _, r := range rows {
		if !r.want.drug {
			continue
		}
		s := m[r.label]
		if s == nil {
			s = &st{cls: map[string]int{}}
			m[r.label] = s
		}
		s.n++
		res := tg.Tag(r.title)
		if len(res.Substances) == 1 && res.Substances[0].Confidence == 1 {
			s.named++
			s.cls[res.Substances[0].Class]++
			if res.Substances[0].Class == r.want.class {
				s.same++
			}
		}
	}
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	for _, k := range ks {
		s := m[k]
		fmt.Printf("%-60s n=%5d named=%5d same=%.2f %v\n", k, s.n, s.named, float64(s.same)/float64(max(1, s.named)), s.cls)
	}
}

func TestZZSlow(t *testing.T) {
	tg := Default()
	for _, unit := range []string{"ice ", "4-", "a-", "crystal meth ", "10g ", "xx", "-", "5f-adb-", "ab", "mdmb-", "İ", "\xff", "4-fluoro ", "fentanyl", "m30 ", "2c-b-"} {
		s := strings.Repeat(unit, 200000/len(unit))
		st := time.Now()
		tg.Tag(s)
		fmt.Printf("%-16q %v\n", unit, time.Since(st))
	}
}

func TestZZDuta(t *testing.T) {
	for _, sub := range []string{"illegal", "legal"} {
		dir := "/work/shared/data/duta-huji/onion/" + sub
		es, _ := os.ReadDir(dir)
		n, off, named := 0, 0, 0
		for _, e := range es {
			b, _ := os.ReadFile(dir + "/" + e.Name())
			r := Default().Tag(string(b))
			n++
			if r.DrugOffer {
				off++
			}
			if len(r.Substances) > 0 {
				named++
			} else if sub == "illegal" {
				fmt.Printf("NONE %s %q\n", e.Name(), string(b[:min(len(b), 150)]))
			}
		}
		fmt.Println(sub, n, off, named)
	}
}
