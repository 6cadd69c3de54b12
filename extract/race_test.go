//go:build race

package extract

func init() { raceSlowdown = 10 }
