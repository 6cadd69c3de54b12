// Package country maps shipping origins and destinations written on market
// pages to ISO 3166-1 alpha-2 codes, plus the pseudo-codes WW (worldwide)
// and EU (Europe / European Union).
//
// Parse understands English names and common aliases ("Holland", "UK",
// "England", "U.S.A."), Russian names in any case ending ("из России",
// "в Германию", "США"), and ISO alpha-2 / alpha-3 codes written in upper
// case. Codes that are also common words or units in upper-case titles
// ("TO", "IN", "IT", "MG", "CAN", "MDA") count only when written as names;
// phrases such as "China White" or "New Jersey" are not countries.
// Continents other than Europe are not reported. Countries after an
// exclusion word ("Worldwide except USA", "кроме США") up to the end of
// the sentence or bracket are left out of Parse and returned by Excluded.
//
// Package country is a leaf: it must not import extract or any other
// darkwatch package. Tables are built at init and read-only afterwards:
// all functions are safe for concurrent use.
package country
