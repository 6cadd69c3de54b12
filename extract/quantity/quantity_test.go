package quantity_test

import (
	"testing"

	"github.com/darkwatch/darkwatch/extract/quantity"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var approx = cmpopts.EquateApprox(0, 1e-9)

type Q = quantity.Quantity

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Q
		ok   bool
	}{
		// brief formats
		{"10 x 80mg", Q{Count: 10, Amount: 80, Unit: "mg", Grams: 0.8}, true},
		{"1 oz", Q{Count: 1, Amount: 1, Unit: "oz", Grams: 28.3495}, true},
		{"100 pills", Q{Count: 1, Amount: 100, Unit: "pill", Units: 100}, true},
		{"0,5 г", Q{Count: 1, Amount: 0.5, Unit: "g", Grams: 0.5}, true},
		{"1 кг", Q{Count: 1, Amount: 1, Unit: "kg", Grams: 1000}, true},
		{"2 шт", Q{Count: 1, Amount: 2, Unit: "unit", Units: 2}, true},
		{"5 pcs", Q{Count: 1, Amount: 5, Unit: "unit", Units: 5}, true},
		{"25 tabs", Q{Count: 1, Amount: 25, Unit: "tab", Units: 25}, true},
		{"10 blotters", Q{Count: 1, Amount: 10, Unit: "blotter", Units: 10}, true},
		// multipliers
		{"10x80mg", Q{Count: 10, Amount: 80, Unit: "mg", Grams: 0.8}, true},
		{"100 X 10mg", Q{Count: 100, Amount: 10, Unit: "mg", Grams: 1}, true},
		{"5 * 2 g", Q{Count: 5, Amount: 2, Unit: "g", Grams: 10}, true},
		{"10 × 1g", Q{Count: 10, Amount: 1, Unit: "g", Grams: 10}, true},
		{"10 х 1 г", Q{Count: 10, Amount: 1, Unit: "g", Grams: 10}, true}, // Cyrillic ha
		{"350mg x 100", Q{Count: 100, Amount: 350, Unit: "mg", Grams: 35}, true},
		{"2C-B 20mg x 10", Q{Count: 10, Amount: 20, Unit: "mg", Grams: 0.2}, true},
		{"100 pills x 350mg", Q{Count: 100, Amount: 350, Unit: "mg", Grams: 35, Units: 100}, true},
		// dream / denton titles
		{"!!!!!INTRO OFFER!!!!! 1GR COCAINE 90%", Q{Count: 1, Amount: 1, Unit: "g", Grams: 1}, true},
		{"!!!INTRO!!! 0.5G COCAINE 89%", Q{Count: 1, Amount: 0.5, Unit: "g", Grams: 0.5}, true},
		{"!1G! C O L O M B I A N C O C A I N E - 89% PURITY", Q{Count: 1, Amount: 1, Unit: "g", Grams: 1}, true},
		{".5g fishscale cocaine", Q{Count: 1, Amount: 0.5, Unit: "g", Grams: 0.5}, true},
		{"2 gs 93% Pure Cocaine", Q{Count: 1, Amount: 2, Unit: "g", Grams: 2}, true},
		{"10gCocaine Bolivien Flex 92%", Q{Count: 1, Amount: 10, Unit: "g", Grams: 10}, true},
		{"28gs PERUVIAN", Q{Count: 1, Amount: 28, Unit: "g", Grams: 28}, true},
		{"☢100 PILLS X Soma 350mg $49☢", Q{Count: 1, Amount: 100, Unit: "pill", Units: 100}, true},
		{"OC 80 Counterfeit 0.4mg Fentanyl X5 Package", Q{Count: 1, Amount: 0.4, Unit: "mg", Grams: 0.0004}, true},
		{"1P-LSD 100ug blotter", Q{Count: 1, Amount: 100, Unit: "ug", Grams: 0.0001}, true},
		{"LSD 150mcg", Q{Count: 1, Amount: 150, Unit: "ug", Grams: 0.00015}, true},
		{"4-MMC 5g", Q{Count: 1, Amount: 5, Unit: "g", Grams: 5}, true},
		{"3.5 grams", Q{Count: 1, Amount: 3.5, Unit: "g", Grams: 3.5}, true},
		{"1/2 oz", Q{Count: 1, Amount: 0.5, Unit: "oz", Grams: 14.17475}, true},
		{"½ oz", Q{Count: 1, Amount: 0.5, Unit: "oz", Grams: 14.17475}, true},
		{"1/4 lb", Q{Count: 1, Amount: 0.25, Unit: "lb", Grams: 113.398}, true},
		{"1 lb", Q{Count: 1, Amount: 1, Unit: "lb", Grams: 453.592}, true},
		{"2 kilos", Q{Count: 1, Amount: 2, Unit: "kg", Grams: 2000}, true},
		{"10 ml", Q{Count: 1, Amount: 10, Unit: "ml"}, true},
		{"60 capsules", Q{Count: 1, Amount: 60, Unit: "pill", Units: 60}, true},
		{"10 таблеток", Q{Count: 1, Amount: 10, Unit: "pill", Units: 10}, true},
		{"5 гр.", Q{Count: 1, Amount: 5, Unit: "g", Grams: 5}, true},
		{"10 марок", Q{Count: 1, Amount: 10, Unit: "blotter", Units: 10}, true},
		// leading multipliers and word quantities (dnm-2017 titles)
		{"100x DOC Blotter 1mg", Q{Count: 100, Amount: 1, Unit: "mg", Grams: 0.1}, true},
		{"5x FlavRX 1000mg Premium CO2 Vape Cartridges", Q{Count: 5, Amount: 1000, Unit: "mg", Grams: 5}, true},
		{"10x tablets of generic CIALIS 40mg", Q{Count: 1, Amount: 10, Unit: "tab", Units: 10}, true},
		{"[TRY OUT SAMPLE] 5x PHILLIP PLEIN - 225/240MG", Q{Count: 5, Amount: 240, Unit: "mg", Grams: 1.2}, true},
		{"10 Geltabs Etizolam 1mg", Q{Count: 1, Amount: 10, Unit: "tab", Units: 10}, true},
		{"Fake xanax - 100 bars", Q{Count: 1, Amount: 100, Unit: "pill", Units: 100}, true},
		{"50 Doses-LSD 25", Q{Count: 1, Amount: 50, Unit: "unit", Units: 50}, true},
		{"QUARTER POUND LIVE RESIN", Q{Count: 1, Amount: 0.25, Unit: "lb", Grams: 113.398}, true},
		{"half oz of kush", Q{Count: 1, Amount: 0.5, Unit: "oz", Grams: 14.17475}, true},
		{"8th (3.5g) of Shrooms", Q{Count: 1, Amount: 0.125, Unit: "oz", Grams: 3.543688}, true},
		{"5x nothing here", Q{}, false},
		{"**JULY 2017** 14G of MK1 (50%)", Q{Count: 1, Amount: 14, Unit: "g", Grams: 14}, true},
		{"2018 x edition 5g", Q{Count: 1, Amount: 5, Unit: "g", Grams: 5}, true},
		// separators
		{"1,5g", Q{Count: 1, Amount: 1.5, Unit: "g", Grams: 1.5}, true},
		{"0,25 G", Q{Count: 1, Amount: 0.25, Unit: "g", Grams: 0.25}, true},
		{"1,000 pills", Q{Count: 1, Amount: 1000, Unit: "pill", Units: 1000}, true},
		{"1,000g", Q{Count: 1, Amount: 1000, Unit: "g", Grams: 1000}, true},
		{"0,500 g", Q{Count: 1, Amount: 0.5, Unit: "g", Grams: 0.5}, true},
		{"1.000g", Q{Count: 1, Amount: 1, Unit: "g", Grams: 1}, true}, // a single '.' is decimal
		// not quantities
		{"", Q{}, false},
		{"5 golden teachers", Q{}, false},
		{"G13 seeds", Q{}, false},
		{"90% pure", Q{}, false},
		{"OC 80", Q{}, false},
		{"mp3 player", Q{}, false},
		{"AK47 x 2", Q{}, false},
		{"5F-ADB", Q{}, false},
	}
	for _, tt := range tests {
		got, ok := quantity.Parse(tt.in)
		if ok != tt.ok || !cmp.Equal(got, tt.want, approx) {
			t.Errorf("Parse(%q) = %+v, %v; want %+v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseAll(t *testing.T) {
	got := quantity.ParseAll("1g $60 / 3.5g $180 / 7 g $320 / 1 oz $900")
	want := []float64{1, 3.5, 7, 28.3495}
	if len(got) != len(want) {
		t.Fatalf("ParseAll: got %d quantities %+v, want %d", len(got), got, len(want))
	}
	for i, q := range got {
		if q.Grams != want[i] {
			t.Errorf("ParseAll[%d].Grams = %v, want %v", i, q.Grams, want[i])
		}
	}
}

func TestUnitPrice(t *testing.T) {
	tests := []struct {
		usd  float64
		q    Q
		want float64
	}{
		{100, Q{Grams: 2}, 50},
		{100, Q{Units: 10, Unit: "pill"}, 10},
		{100, Q{Unit: "ml", Amount: 10}, 0},
		{0, Q{Grams: 1}, 0},
		{100, Q{}, 0},
	}
	for _, tt := range tests {
		if got := quantity.UnitPrice(tt.usd, tt.q); got != tt.want {
			t.Errorf("UnitPrice(%v, %+v) = %v, want %v", tt.usd, tt.q, got, tt.want)
		}
	}
}
