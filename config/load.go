package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// FieldError is one problem in a config file, at a path such as "markets[1].seeds[0]".
type FieldError struct {
	Path string
	Msg  string
}

func (e *FieldError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// Load reads, decodes and validates a config file. Secrets given as "*_file" or "${ENV}" are
// resolved. The returned error joins every problem found (errors.Join of *FieldError).
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("config %s:\n%w", path, err)
	}
	return c, nil
}

// LoadUnresolved reads, decodes and validates a config file but leaves secrets as written
// (inline, "${ENV}" or "*_file"): for tools that rewrite a config (testbed --config-out) and
// must not copy secret values into it.
func LoadUnresolved(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c, err := parse(b, false)
	if err != nil {
		return nil, fmt.Errorf("config %s:\n%w", path, err)
	}
	return c, nil
}

// Parse decodes and validates config bytes on top of Default.
func Parse(b []byte) (*Config, error) { return parse(b, true) }

// ParseUnresolved is Parse without resolving secrets (see LoadUnresolved).
func ParseUnresolved(b []byte) (*Config, error) { return parse(b, false) }

func parse(b []byte, resolve bool) (*Config, error) {
	c := Default()
	if len(bytes.TrimSpace(b)) > 0 {
		var root yaml.Node
		if err := yaml.Unmarshal(b, &root); err != nil {
			return nil, &FieldError{Msg: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
			return nil, decodeErrors(err, linePaths(&root))
		}
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if !resolve {
		return c, nil
	}
	if err := c.resolveSecrets(); err != nil {
		return nil, err
	}
	return c, nil
}

// Marshal writes the config as YAML (secrets included: it is a config file).
func Marshal(c *Config) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return nil, err
	}
	return buf.Bytes(), enc.Close()
}

var lineRE = regexp.MustCompile(`^line (\d+): (.*)$`)
var unknownFieldRE = regexp.MustCompile(`^field (\S+) not found in type`)

// decodeErrors rewrites yaml.v3 errors ("line 7: field foo not found in type config.Tor") into
// path errors ("tor.foo: unknown key (line 7)").
func decodeErrors(err error, paths map[int]string) error {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	var errs []error
	for _, m := range msgs {
		fe := &FieldError{Msg: m}
		if sm := lineRE.FindStringSubmatch(m); sm != nil {
			line, _ := strconv.Atoi(sm[1])
			fe.Path = paths[line]
			msg := sm[2]
			if um := unknownFieldRE.FindStringSubmatch(msg); um != nil {
				msg = "unknown key " + strconv.Quote(um[1]) + "; check the spelling against config/darkwatch.example.yaml"
			} else if lm := lineRE.FindStringSubmatch(msg); lm != nil {
				msg = lm[2] // our own unmarshalers already prefix the line
			}
			fe.Msg = fmt.Sprintf("%s (line %d)", msg, line)
		}
		errs = append(errs, fe)
	}
	return errors.Join(errs...)
}

// linePaths maps each line of the document that holds a key or a sequence item to its path.
// A key on a line wins over values written on the same line ("seeds: [a, b]" -> "seeds").
func linePaths(root *yaml.Node) map[int]string {
	keys := map[int]string{}
	items := map[int]string{}
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := k.Value
				if path != "" {
					p = path + "." + k.Value
				}
				if _, ok := keys[k.Line]; !ok || v.Kind == yaml.ScalarNode {
					keys[k.Line] = p
				}
				walk(v, p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				if _, ok := items[c.Line]; !ok {
					items[c.Line] = p
				}
				walk(c, p)
			}
		}
	}
	walk(root, "")
	for l, p := range items {
		if _, ok := keys[l]; !ok {
			keys[l] = p
		}
	}
	return keys
}

// problems collects FieldErrors during validation.
type problems []error

func (p *problems) add(path, format string, args ...any) {
	*p = append(*p, &FieldError{Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return errors.Join(p...)
}
