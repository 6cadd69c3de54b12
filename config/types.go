package config

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Duration is a time.Duration written as "30s", "5m", "1h30m" in YAML.
type Duration time.Duration

// D returns the duration as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// UnmarshalYAML accepts Go duration strings ("30s", "2m", "1h").
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: want a duration such as \"30s\" or \"5m\"", n.Line)
	}
	v, err := time.ParseDuration(strings.TrimSpace(n.Value))
	if err != nil {
		return fmt.Errorf("line %d: bad duration %q: want a number with a unit such as \"30s\", \"5m\", \"1h\"", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration as a Go duration string.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// MarshalJSON writes the duration as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// Size is a number of bytes written with a unit: "512KiB", "8MiB", "1GiB", "10MB", or a plain
// number of bytes.
type Size int64

var sizeRE = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)\s*([KMGT]i?B|B)?$`)

var sizeUnits = map[string]float64{
	"": 1, "B": 1,
	"KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12,
	"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40,
}

// ParseSize parses a size with an optional unit.
func ParseSize(s string) (Size, error) {
	m := sizeRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("bad size %q: want a number with a unit such as \"512KiB\", \"8MiB\", \"1GiB\"", s)
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, fmt.Errorf("bad size %q: %w", s, err)
	}
	return Size(f * sizeUnits[m[2]]), nil
}

// UnmarshalYAML parses a size with a unit.
func (s *Size) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: want a size such as \"8MiB\"", n.Line)
	}
	v, err := ParseSize(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %v", n.Line, err)
	}
	*s = v
	return nil
}

// MarshalYAML writes the size in the largest binary unit that divides it.
func (s Size) MarshalYAML() (any, error) { return s.String(), nil }

func (s Size) String() string {
	for _, u := range []string{"TiB", "GiB", "MiB", "KiB"} {
		f := int64(sizeUnits[u])
		if s != 0 && int64(s)%f == 0 {
			return fmt.Sprintf("%d%s", int64(s)/f, u)
		}
	}
	return fmt.Sprintf("%dB", int64(s))
}

// Secret is a credential. It prints as "[redacted]" in logs, fmt and JSON; Value gives it.
// In the file it may be written inline, as "${ENV_VAR}", or in the sibling "*_file" field.
type Secret string

const redacted = "[redacted]"

// Value returns the secret itself.
func (s Secret) Value() string { return string(s) }

// String redacts.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString redacts.
func (s Secret) GoString() string { return s.String() }

// LogValue redacts in slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON redacts.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// MarshalYAML keeps the value: YAML output is a config file (testbed --config-out), not a log.
func (s Secret) MarshalYAML() (any, error) { return string(s), nil }

var envRef = regexp.MustCompile(`^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$`)

// resolveSecret returns the secret's value from inline text, ${ENV} or a file. path names the
// inline field for errors.
func resolveSecret(inline Secret, file, path string) (Secret, error) {
	if inline != "" && file != "" {
		return "", fmt.Errorf("%s: secret given both inline and as %s_file; keep one", path, lastKey(path))
	}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("%s_file: %v", path, err)
		}
		return Secret(strings.TrimRight(string(b), "\r\n")), nil
	}
	if m := envRef.FindStringSubmatch(string(inline)); m != nil {
		v, ok := os.LookupEnv(m[1])
		if !ok {
			return "", fmt.Errorf("%s: environment variable %s is not set", path, m[1])
		}
		return Secret(v), nil
	}
	return inline, nil
}

func lastKey(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[i+1:]
	}
	return path
}
