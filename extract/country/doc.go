// Package country maps shipping origins and destinations written on market
// pages to ISO 3166-1 alpha-2 codes, plus the pseudo-codes WW (worldwide)
// and EU (Europe / European Union).
//
// Parse understands English names and common aliases ("Holland", "UK",
// "England", "U.S.A."), Russian names in any case ending ("из России",
// "в Германию", "США"), and ISO alpha-2 / alpha-3 codes written in upper
// case. In running text only codes markets commonly use count (US, UK, DE,
// NL, USA, ...), never codes touching digits or hyphens ("PS4", "44MM",
// "HI-FI") or that are common words ("TO", "IN", "MG", "CAN", "MDA"). When
// the whole text is a list of codes ("IT  → WW, EU", "Ships to: NO, IS"),
// every alpha-2 code counts. Phrases such as "China White", "Air Jordan" or
// "New Jersey" are not countries.
// Continents other than Europe are not reported. Countries after an
// exclusion word ("Worldwide except USA", "кроме США") up to the end of
// the sentence or bracket are left out of Parse and returned by Excluded.
//
// Package country is a leaf: it must not import extract or any other
// darkwatch package. Tables are built at init and read-only afterwards:
// all functions are safe for concurrent use.
package country
