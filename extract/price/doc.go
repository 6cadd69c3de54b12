// Package price finds prices in listing text and converts them to US dollars.
//
// Parse and ParseAll recognise a number next to a currency marker, before
// or after it: symbols ($ € £ ₽ ₿, ฿ as bitcoin (Dream and others), AU$ A$ C$ CA$ US$), ISO codes and
// tickers in any case (USD EUR GBP AUD CAD RUB BTC XBT mBTC XMR LTC) and
// words (dollars, euros, rubles, руб., рублей, bitcoin, monero, litecoin).
// mBTC is normalised to BTC. Exchange-rate displays ("BTC/USD 9304.76",
// "1 BTC = 9000 USD") are not prices. Other dollars ("NZ$", "R$") and
// stablecoins ("USDT") are not USD.
//
// Numbers: spaces (also no-break and thin spaces) and apostrophes group
// thousands only before exactly three digits ("1 200 ₽"); with both '.'
// and ',' the last is the decimal mark ("1.234,56 €", "1,234.56"); a mark
// repeated is a thousands separator ("1,234,567"). A single mark is the
// ambiguous case; the rule is that fiat prices have at most two decimals,
// so a single '.' or ',' before exactly three digits after a non-zero
// integer part groups thousands for fiat ("1,200 USD" = 1200,
// "1.200 €" = 1200) and is a decimal mark otherwise ("30,50 €" = 30.5,
// "0.500 USD" = 0.5) and always for crypto ("1,500 BTC" = 1.5,
// "0,5 XMR" = 0.5). "45,-" and "45.-" are whole amounts.
//
// ToUSD uses the Rates table (USD per unit, one date: RateDate), which
// callers may replace at start-up with LoadRates; amounts are rounded to
// cents and the rate used is returned so records can cite it.
//
// Package price is a leaf: it must not import extract or any other
// darkwatch package. Parse, ParseAll and ToUSD are safe for concurrent use
// as long as Rates is not modified concurrently. Input beyond MaxInput
// bytes is ignored; parsing is linear in the input.
package price
