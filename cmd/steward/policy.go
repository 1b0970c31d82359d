package main

import "fmt"

// policy is a placeholder until the policy commands land.
func (c *cli) policy(args []string) int {
	fmt.Fprintln(c.stderr, "steward policy: not built yet")
	return 2
}
