//go:build !linux

package embedded

import "time"

// threadCPU is not measured outside Linux (the benchmark prints 0).
func threadCPU() time.Duration { return 0 }
