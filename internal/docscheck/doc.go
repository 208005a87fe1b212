// Package docscheck holds the checks that keep README.md and docs/ readable: a README an operator
// reads in one sitting, tables that fit a screen, and links that lead somewhere.
package docscheck
