// Package country is a leaf parser of extract; it must not import extract.
package country
