// Package quantity is a leaf parser of extract; it must not import extract.
package quantity
