// Package quantity finds quantities of goods in listing titles and offers
// ("10 x 80mg", "1 oz", "100 pills", "0,5 г", "2 шт") and normalises them.
//
// Units are normalised to g, mg, ug, kg, oz, lb, ml (masses and volume)
// and pill, tab, blotter, unit (counts), from English, abbreviated and
// Russian spellings. Grams is the total mass (Count x Amount x unit) and
// Units the total count; "100 pills x 350mg" keeps both (35 g, 100 units).
// Fractions ("1/2 oz", "½ oz"; denominators 2, 3, 4, 8, 16), multipliers
// before or after the amount ("10x80mg", "350mg x 100"), a leading
// multiplier a few words before the amount ("100x DOC blotter 1mg") and
// word quantities ("quarter pound", "half oz", "8th") are understood. A number glued to letters
// ("4-MMC", "G13", "2C-B", "mp3") is not an amount. A single ',' before
// exactly three digits after a non-zero integer part groups thousands
// ("1,000 pills"); otherwise ',' is a decimal comma ("1,5g", "0,500 g").
// A single '.' is always decimal ("1.000g" = 1 g).
//
// Package quantity is a leaf: it must not import extract or any other
// darkwatch package. All functions are pure and safe for concurrent use;
// input beyond MaxInput bytes is ignored.
package quantity
