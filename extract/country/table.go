package country

// iso lists ISO 3166-1 countries as "alpha2|alpha3|English name|alias;alias".
// Aliases are lower-case English spellings met on markets.
var iso = []string{
	"AD|AND|Andorra|", "AE|ARE|United Arab Emirates|uae;emirates;dubai", "AF|AFG|Afghanistan|", "AG|ATG|Antigua and Barbuda|antigua",
	"AI|AIA|Anguilla|", "AL|ALB|Albania|", "AM|ARM|Armenia|", "AO|AGO|Angola|", "AQ|ATA|Antarctica|", "AR|ARG|Argentina|argentinien;argentine",
	"AS|ASM|American Samoa|", "AT|AUT|Austria|österreich;osterreich;autriche", "AU|AUS|Australia|australien;australie", "AW|ABW|Aruba|", "AX|ALA|Åland Islands|aland islands;aland",
	"AZ|AZE|Azerbaijan|", "BA|BIH|Bosnia and Herzegovina|bosnia;bosnia-herzegovina", "BB|BRB|Barbados|", "BD|BGD|Bangladesh|",
	"BE|BEL|Belgium|belgique;belgien;bélgica;belgica;belgië", "BF|BFA|Burkina Faso|", "BG|BGR|Bulgaria|", "BH|BHR|Bahrain|", "BI|BDI|Burundi|", "BJ|BEN|Benin|",
	"BL|BLM|Saint Barthélemy|saint barthelemy", "BM|BMU|Bermuda|", "BN|BRN|Brunei|brunei darussalam", "BO|BOL|Bolivia|",
	"BQ|BES|Bonaire, Sint Eustatius and Saba|bonaire", "BR|BRA|Brazil|brasil;brésil;brasilien", "BS|BHS|Bahamas|the bahamas", "BT|BTN|Bhutan|",
	"BV|BVT|Bouvet Island|", "BW|BWA|Botswana|", "BY|BLR|Belarus|byelorussia", "BZ|BLZ|Belize|", "CA|CAN|Canada|kanada",
	"CC|CCK|Cocos (Keeling) Islands|cocos islands", "CD|COD|Congo (Democratic Republic)|democratic republic of the congo;dr congo;drc",
	"CF|CAF|Central African Republic|", "CG|COG|Congo|republic of the congo", "CH|CHE|Switzerland|swiss;schweiz;suisse;suiza;svizzera", "CI|CIV|Côte d'Ivoire|ivory coast;cote d'ivoire;cote divoire",
	"CK|COK|Cook Islands|", "CL|CHL|Chile|", "CM|CMR|Cameroon|", "CN|CHN|China|prc;people's republic of china;chine", "CO|COL|Colombia|kolumbien;colombie",
	"CR|CRI|Costa Rica|", "CU|CUB|Cuba|", "CV|CPV|Cabo Verde|cape verde", "CW|CUW|Curaçao|curacao", "CX|CXR|Christmas Island|",
	"CY|CYP|Cyprus|", "CZ|CZE|Czechia|czech republic;czech;tschechien;république tchèque;chequia", "DE|DEU|Germany|deutschland;allemagne;alemania", "DJ|DJI|Djibouti|", "DK|DNK|Denmark|dänemark;danemark;dinamarca;danmark",
	"DM|DMA|Dominica|", "DO|DOM|Dominican Republic|", "DZ|DZA|Algeria|", "EC|ECU|Ecuador|", "EE|EST|Estonia|", "EG|EGY|Egypt|",
	"EH|ESH|Western Sahara|", "ER|ERI|Eritrea|", "ES|ESP|Spain|españa;espana;spanien;espagne", "ET|ETH|Ethiopia|", "FI|FIN|Finland|suomi;finnland;finlande;finlandia",
	"FJ|FJI|Fiji|", "FK|FLK|Falkland Islands|falklands", "FM|FSM|Micronesia|", "FO|FRO|Faroe Islands|", "FR|FRA|France|frankreich;francia",
	"GA|GAB|Gabon|", "GB|GBR|United Kingdom|uk;u.k.;great britain;britain;england;scotland;wales;northern ireland;united kingdom of great britain and northern ireland;royaume-uni;vereinigtes königreich;großbritannien;grossbritannien;reino unido",
	"GD|GRD|Grenada|", "GE|GEO|Georgia|", "GF|GUF|French Guiana|", "GG|GGY|Guernsey|", "GH|GHA|Ghana|", "GI|GIB|Gibraltar|",
	"GL|GRL|Greenland|", "GM|GMB|Gambia|the gambia", "GN|GIN|Guinea|", "GP|GLP|Guadeloupe|", "GQ|GNQ|Equatorial Guinea|",
	"GR|GRC|Greece|griechenland;grèce;grecia", "GS|SGS|South Georgia and the South Sandwich Islands|", "GT|GTM|Guatemala|", "GU|GUM|Guam|",
	"GW|GNB|Guinea-Bissau|guinea bissau", "GY|GUY|Guyana|", "HK|HKG|Hong Kong|", "HM|HMD|Heard Island and McDonald Islands|",
	"HN|HND|Honduras|", "HR|HRV|Croatia|hrvatska;kroatien;croatie;croacia", "HT|HTI|Haiti|", "HU|HUN|Hungary|ungarn;hongrie;hungría", "ID|IDN|Indonesia|", "IE|IRL|Ireland|eire;republic of ireland;irland;irlande;irlanda",
	"IL|ISR|Israel|", "IM|IMN|Isle of Man|", "IN|IND|India|", "IO|IOT|British Indian Ocean Territory|", "IQ|IRQ|Iraq|",
	"IR|IRN|Iran|", "IS|ISL|Iceland|", "IT|ITA|Italy|italia;italien;italie", "JE|JEY|Jersey|", "JM|JAM|Jamaica|", "JO|JOR|Jordan|",
	"JP|JPN|Japan|", "KE|KEN|Kenya|", "KG|KGZ|Kyrgyzstan|kirgizstan;kyrgyz republic", "KH|KHM|Cambodia|", "KI|KIR|Kiribati|",
	"KM|COM|Comoros|", "KN|KNA|Saint Kitts and Nevis|", "KP|PRK|North Korea|democratic people's republic of korea;dprk",
	"KR|KOR|South Korea|korea;republic of korea", "KW|KWT|Kuwait|", "KY|CYM|Cayman Islands|", "KZ|KAZ|Kazakhstan|",
	"LA|LAO|Laos|lao people's democratic republic", "LB|LBN|Lebanon|", "LC|LCA|Saint Lucia|st lucia", "LI|LIE|Liechtenstein|",
	"LK|LKA|Sri Lanka|", "LR|LBR|Liberia|", "LS|LSO|Lesotho|", "LT|LTU|Lithuania|", "LU|LUX|Luxembourg|luxemburg",
	"LV|LVA|Latvia|", "LY|LBY|Libya|", "MA|MAR|Morocco|", "MC|MCO|Monaco|", "MD|MDA|Moldova|republic of moldova",
	"ME|MNE|Montenegro|", "MF|MAF|Saint Martin|", "MG|MDG|Madagascar|", "MH|MHL|Marshall Islands|", "MK|MKD|North Macedonia|macedonia",
	"ML|MLI|Mali|", "MM|MMR|Myanmar|burma", "MN|MNG|Mongolia|", "MO|MAC|Macao|macau", "MP|MNP|Northern Mariana Islands|",
	"MQ|MTQ|Martinique|", "MR|MRT|Mauritania|", "MS|MSR|Montserrat|", "MT|MLT|Malta|", "MU|MUS|Mauritius|", "MV|MDV|Maldives|",
	"MW|MWI|Malawi|", "MX|MEX|Mexico|méxico", "MY|MYS|Malaysia|", "MZ|MOZ|Mozambique|", "NA|NAM|Namibia|", "NC|NCL|New Caledonia|",
	"NE|NER|Niger|", "NF|NFK|Norfolk Island|", "NG|NGA|Nigeria|", "NI|NIC|Nicaragua|", "NL|NLD|Netherlands|the netherlands;holland;nederland;niederlande;pays-bas;países bajos;paises bajos;holanda",
	"NO|NOR|Norway|norwegen;norvège;norvege;noruega;norge", "NP|NPL|Nepal|", "NR|NRU|Nauru|", "NU|NIU|Niue|", "NZ|NZL|New Zealand|", "OM|OMN|Oman|", "PA|PAN|Panama|",
	"PE|PER|Peru|pérou;perou", "PF|PYF|French Polynesia|", "PG|PNG|Papua New Guinea|", "PH|PHL|Philippines|", "PK|PAK|Pakistan|",
	"PL|POL|Poland|polska;polen;pologne;polonia", "PM|SPM|Saint Pierre and Miquelon|", "PN|PCN|Pitcairn|", "PR|PRI|Puerto Rico|", "PS|PSE|Palestine|",
	"PT|PRT|Portugal|", "PW|PLW|Palau|", "PY|PRY|Paraguay|", "QA|QAT|Qatar|", "RE|REU|Réunion|reunion", "RO|ROU|Romania|",
	"RS|SRB|Serbia|", "RU|RUS|Russia|russian federation;russland;russie;rusia", "RW|RWA|Rwanda|", "SA|SAU|Saudi Arabia|", "SB|SLB|Solomon Islands|",
	"SC|SYC|Seychelles|", "SD|SDN|Sudan|", "SE|SWE|Sweden|sverige;schweden;suède;suede;suecia", "SG|SGP|Singapore|", "SH|SHN|Saint Helena|", "SI|SVN|Slovenia|",
	"SJ|SJM|Svalbard and Jan Mayen|", "SK|SVK|Slovakia|slovak republic", "SL|SLE|Sierra Leone|", "SM|SMR|San Marino|",
	"SN|SEN|Senegal|", "SO|SOM|Somalia|", "SR|SUR|Suriname|", "SS|SSD|South Sudan|", "ST|STP|Sao Tome and Principe|",
	"SV|SLV|El Salvador|", "SX|SXM|Sint Maarten|", "SY|SYR|Syria|", "SZ|SWZ|Eswatini|swaziland", "TC|TCA|Turks and Caicos Islands|",
	"TD|TCD|Chad|", "TF|ATF|French Southern Territories|", "TG|TGO|Togo|", "TH|THA|Thailand|", "TJ|TJK|Tajikistan|",
	"TK|TKL|Tokelau|", "TL|TLS|Timor-Leste|east timor", "TM|TKM|Turkmenistan|", "TN|TUN|Tunisia|", "TO|TON|Tonga|",
	"TR|TUR|Türkiye|turkey;turkiye;türkei;turquie;turquía", "TT|TTO|Trinidad and Tobago|trinidad", "TV|TUV|Tuvalu|", "TW|TWN|Taiwan|",
	"TZ|TZA|Tanzania|", "UA|UKR|Ukraine|ucrania", "UG|UGA|Uganda|", "UM|UMI|United States Minor Outlying Islands|",
	"US|USA|United States|usa;u.s.a.;u.s.;united states of america;us of a;the states;états-unis;etats-unis;vereinigte staaten;estados unidos;eeuu;ee.uu.",
	"UY|URY|Uruguay|", "UZ|UZB|Uzbekistan|", "VA|VAT|Holy See|vatican;vatican city", "VC|VCT|Saint Vincent and the Grenadines|",
	"VE|VEN|Venezuela|", "VG|VGB|British Virgin Islands|", "VI|VIR|U.S. Virgin Islands|us virgin islands", "VN|VNM|Viet Nam|vietnam",
	"VU|VUT|Vanuatu|", "WF|WLF|Wallis and Futuna|", "WS|WSM|Samoa|", "YE|YEM|Yemen|", "YT|MYT|Mayotte|", "ZA|ZAF|South Africa|rsa",
	"ZM|ZMB|Zambia|", "ZW|ZWE|Zimbabwe|",
}

// regions are pseudo-codes: WW (worldwide) and EU (Europe / European Union).
var regions = map[string][]string{
	"WW": {"worldwide", "world wide", "world-wide", "anywhere", "whole world", "international", "everywhere", "all countries", "весь мир", "по всему миру", "по миру", "worldwide shipping", "weltweit", "monde entier", "le monde entier", "mondial", "todo el mundo", "mundial", "internacional", "international shipping"},
	"EU": {"europe", "european union", "eu", "e.u.", "schengen", "евросоюз", "europa", "union européenne", "unión europea", "eu-weit"},
}

var regionNames = map[string]string{"WW": "Worldwide", "EU": "European Union"}

// russian maps Russian stems (lower case) to codes. A token matches a stem
// when it starts with it and at most 3 letters of case ending follow
// ("России", "Германию", "Украины").
var russian = map[string]string{
	"россия": "RU", "россии": "RU", "россию": "RU", "россией": "RU", "рф": "RU",
	"германи": "DE", "украин": "UA", "сша": "US", "америк": "US",
	"беларус": "BY", "белорусси": "BY", "казахстан": "KZ", "нидерланд": "NL", "голланди": "NL",
	"великобритани": "GB", "англия": "GB", "англии": "GB", "англию": "GB", "британи": "GB",
	"франци": "FR", "испани": "ES", "итали": "IT", "польш": "PL",
	"канад": "CA", "китай": "CN", "китая": "CN", "китае": "CN", "китаю": "CN", "латви": "LV",
	"литва": "LT", "литвы": "LT", "литве": "LT", "литву": "LT", "эстони": "EE",
	"грузия": "GE", "грузии": "GE", "грузию": "GE", "армени": "AM",
	"азербайджан": "AZ", "узбекистан": "UZ", "киргизи": "KG", "кыргызстан": "KG", "таджикистан": "TJ", "туркменистан": "TM",
	"молдов": "MD", "молдави": "MD", "чехия": "CZ", "чехии": "CZ", "чехию": "CZ", "австри": "AT", "швейцари": "CH",
	"бельги": "BE", "швеци": "SE", "норвеги": "NO", "финлянди": "FI", "дания": "DK", "дании": "DK", "данию": "DK",
	"австрали": "AU", "турци": "TR", "израил": "IL", "индия": "IN", "индии": "IN", "индию": "IN",
	"таиланд": "TH", "тайланд": "TH", "япони": "JP", "португали": "PT", "греци": "GR", "болгари": "BG", "румыни": "RO",
	"венгри": "HU", "серби": "RS", "хорвати": "HR", "словаки": "SK", "словени": "SI", "ирланди": "IE", "колумби": "CO",
	"бразили": "BR", "мексик": "MX", "аргентин": "AR", "перу": "PE", "оаэ": "AE", "эмират": "AE",
	"европ": "EU", "евросоюз": "EU",
}

// notPlaces are phrases that contain a country name but are not one:
// they are consumed so their parts do not match ("China White" is heroin).
var notPlaces = []string{
	"new jersey", "new mexico", "new england", "china white", "china girl", "south america", "north america",
	"latin america", "central america", "new south wales", "georgia usa", "jordan shoes", "turkey tail",
	"air jordan", "air jordans", "soccer jersey", "football jersey", "hockey jersey", "basketball jersey", "jersey shirt", "guinea pig", "guinea pigs", "british columbia", "district of columbia",
}
