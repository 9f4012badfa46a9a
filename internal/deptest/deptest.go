// Package deptest holds the test that keeps cascade's imports pointing one
// way: leaf models import nothing of ours, engines never import the CLI or
// the server, collectors never import the matcher.
package deptest
