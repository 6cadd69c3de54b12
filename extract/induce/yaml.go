package induce

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/darkwatch/darkwatch/extract"
)

// The profile as written: the extract.Profile format with empty keys left out.
type profileYAML struct {
	Name      string         `yaml:"name"`
	Version   int            `yaml:"version"`
	Currency  string         `yaml:"currency,omitempty"`
	Detect    []matcherYAML  `yaml:"detect"`
	Key       string         `yaml:"key,omitempty"`
	VendorKey string         `yaml:"vendor_key,omitempty"`
	Links     linksYAML      `yaml:"links,omitempty"`
	PageTypes []pageTypeYAML `yaml:"page_types"`
}

type matcherYAML struct {
	URL      string `yaml:"url,omitempty"`
	Selector string `yaml:"selector,omitempty"`
}

type linksYAML struct {
	Listing string `yaml:"listing,omitempty"`
	Vendor  string `yaml:"vendor,omitempty"`
	NextURL string `yaml:"next_url,omitempty"`
}

type pageTypeYAML struct {
	Name   string               `yaml:"name"`
	Kind   string               `yaml:"kind"`
	Match  matcherYAML          `yaml:"match"`
	Cards  string               `yaml:"cards,omitempty"`
	Fields map[string]fieldYAML `yaml:"fields"`
}

type fieldYAML struct {
	Selector string   `yaml:"selector,omitempty"`
	Label    []string `yaml:"label,omitempty,flow"`
	Attr     string   `yaml:"attr,omitempty"`
	All      bool     `yaml:"all,omitempty"`
	Join     string   `yaml:"join,omitempty"`
	Regex    string   `yaml:"regex,omitempty"`
	// Alts, when set, are written instead: a list of alternatives, the first with a value
	// wins (extract.Field.Alt)
	Alts []fieldYAML `yaml:"-"`
}

type fieldPlainYAML fieldYAML

// MarshalYAML writes a field with alternatives as their list.
func (f fieldYAML) MarshalYAML() (any, error) {
	if len(f.Alts) > 0 {
		return f.Alts, nil
	}
	return fieldPlainYAML(f), nil
}

// fieldOf renders a profile field with what fieldYAML holds (selector, label, attr, all,
// join, regex, alternatives).
func fieldOf(f extract.Field) fieldYAML {
	y := fieldYAML{Selector: f.Selector, Label: f.Label, Attr: f.Attr, All: f.All, Join: f.Join, Regex: f.Regex}
	for _, a := range f.Alt {
		y.Alts = append(y.Alts, fieldOf(a))
	}
	return y
}

func marshalProfile(p profileYAML) ([]byte, error) {
	var b bytes.Buffer
	e := yaml.NewEncoder(&b)
	e.SetIndent(2)
	if err := e.Encode(p); err != nil {
		return nil, err
	}
	if err := e.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Stored is an induced profile as kept on disk: the YAML, where it came from, and the
// fields of each page type that the generic extractor still reads (see Report.Generic).
type Stored struct {
	Market  string
	Induced time.Time
	Pages   int                 // pages it was induced from
	Generic map[string][]string // page type -> fields read by the generic extractor
	YAML    []byte
	Profile extract.Profile
}

// ErrChecksum is returned by ReadFile when the profile body no longer matches the
// checksum in its header (edited by hand: ship it as a user profile instead).
var ErrChecksum = errors.New("induce: profile checksum mismatch")

const headerMagic = "# darkwatch induced profile"

var marketRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)

// Path is the file of market's induced profile under dir.
func Path(dir, market string) (string, error) {
	if !marketRe.MatchString(market) {
		return "", fmt.Errorf("induce: market name %q cannot name a file (letters, digits, . _ -)", market)
	}
	return filepath.Join(dir, market+".yaml"), nil
}

// Encode is the file form of s: a provenance and checksum header, then the YAML.
func (s *Stored) Encode() []byte {
	sum := sha256.Sum256(s.YAML)
	var b bytes.Buffer
	fmt.Fprintln(&b, headerMagic)
	fmt.Fprintf(&b, "# market: %s\n", s.Market)
	fmt.Fprintf(&b, "# induced: %s from %d pages read by the generic extractor\n", s.Induced.UTC().Format(time.RFC3339), s.Pages)
	var pts []string
	for pt := range s.Generic {
		pts = append(pts, pt)
	}
	sort.Strings(pts)
	for _, pt := range pts {
		fmt.Fprintf(&b, "# generic: %s %s\n", pt, strings.Join(s.Generic[pt], ","))
	}
	fmt.Fprintf(&b, "# sha256: %s\n", hex.EncodeToString(sum[:]))
	b.Write(s.YAML)
	return b.Bytes()
}

// Decode reads a file written by Encode, checking the checksum and loading the profile.
func Decode(data []byte) (*Stored, error) {
	s := &Stored{Generic: map[string][]string{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 4096), 1<<20)
	off := 0
	sum := ""
	first := true
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "#") {
			break
		}
		off += len(line) + 1
		if first {
			if line != headerMagic {
				return nil, errors.New("induce: not an induced profile (no header)")
			}
			first = false
			continue
		}
		k, v, _ := strings.Cut(strings.TrimSpace(strings.TrimPrefix(line, "#")), ": ")
		switch k {
		case "market":
			s.Market = v
		case "induced":
			ts, rest, _ := strings.Cut(v, " ")
			s.Induced, _ = time.Parse(time.RFC3339, ts)
			fmt.Sscanf(rest, "from %d pages", &s.Pages)
		case "generic":
			pt, fl, _ := strings.Cut(v, " ")
			if fl != "" {
				s.Generic[pt] = strings.Split(fl, ",")
			} else {
				s.Generic[pt] = nil
			}
		case "sha256":
			sum = v
		}
	}
	if first {
		return nil, errors.New("induce: not an induced profile (no header)")
	}
	s.YAML = data[min(off, len(data)):]
	got := sha256.Sum256(s.YAML)
	if sum != hex.EncodeToString(got[:]) {
		return nil, ErrChecksum
	}
	p, err := extract.LoadProfile(bytes.NewReader(s.YAML))
	if err != nil {
		return nil, err
	}
	s.Profile = p
	return s, nil
}

// ReadFile reads market's induced profile from dir. A missing file is os.ErrNotExist.
func ReadFile(dir, market string) (*Stored, error) {
	path, err := Path(dir, market)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// WriteFile stores s under dir atomically (temporary file, then rename).
func WriteFile(dir string, s *Stored) error {
	path, err := Path(dir, s.Market)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".induce-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(s.Encode()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
