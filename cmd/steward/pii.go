package main

import "fmt"

// pii is a placeholder until the pii commands land.
func (c *cli) pii(args []string) int {
	fmt.Fprintln(c.stderr, "steward pii: not built yet")
	return 2
}
