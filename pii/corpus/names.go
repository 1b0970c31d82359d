package corpus

import "github.com/steward-privacy/steward/pii"

// Tags of PERSON labels: whether the name's words are on the scanner's
// embedded list. Unlisted names measure how the recognizer does on names it
// has never seen.
const (
	TagListed   = "listed"
	TagUnlisted = "unlisted"
)

// listedGiven and listedSurnames are on the scanner's list (checked by test).
var listedGiven = []string{
	"Maria", "James", "Priya", "Mohammed", "Olga", "Hiroshi", "Chioma", "Lukas", "Sofia", "Wei",
	"Fatima", "Carlos", "Aisha", "Dmitri", "Ingrid", "Rahul", "Yuki", "Kwame", "Elena", "Thomas",
	"Siobhan", "Mateo", "Zeynep", "Arjun", "Nadia", "Pierre", "Giulia", "Jakub", "Minjun", "Ngozi",
	"Sarah", "Ahmed", "Lars", "Camila", "Kenji", "Ananya", "Oluwaseun", "Isabel", "Andrei", "Leila",
}

var listedSurnames = []string{
	"Garcia", "Smith", "Patel", "Nguyen", "Kowalski", "Tanaka", "Okafor", "Schmidt", "Rossi", "Chen",
	"Haddad", "Fernandez", "Ivanova", "Johansson", "Sharma", "Kim", "Mensah", "Dubois", "Yilmaz", "Silva",
	"Murphy", "Novak", "Papadopoulos", "Cohen", "Hosseini", "Dlamini", "Kamau", "Petrov", "Nakamura", "Oliveira",
}

// Held-out names: candidates believed absent from the scanner's list; any
// that are listed are dropped at start-up so that the tag stays true.
var unlistedGiven = unlisted(
	"Bartholomew", "Zebulon", "Ottilie", "Ignatius", "Perpetua", "Wolfram", "Leopoldine", "Casimir", "Eulalia",
	"Thaddeus", "Ysolde", "Radomir", "Svetozar", "Yevdokia", "Oluwatobi", "Adetokunbo", "Nkiruka", "Thulani",
	"Mbali", "Xolani", "Anele", "Zodwa", "Ebere", "Ijeoma", "Ugochi", "Amaechi", "Dumisani", "Sibongile",
	"Xiuying", "Guoqiang", "Jianguo", "Shufen", "Yiting", "Hyunjoo", "Jaewon", "Sungho", "Hiroko", "Kazuko",
	"Toshiro", "Thuan", "Nghia", "Gurpreet", "Harpreet", "Jaswinder", "Manpreet", "Balwinder", "Shreyas",
	"Tejaswini", "Anirudh", "Vaibhav", "Abdelilah", "Mounir", "Lahcen", "Ouafae", "Oguzhan", "Gokhan", "Sevgi",
	"Dilek", "Cansu", "Gudrun", "Berit", "Ragnhild", "Torbjorn", "Ingvar", "Bozena", "Grazyna", "Zdzislaw",
	"Przemyslaw", "Ryszard", "Mieczyslaw", "Dobromir", "Vladislav", "Branislav", "Ludovic", "Ghislain",
	"Gwenaelle", "Anneliese", "Wilhelmina", "Ottokar", "Rosalba", "Ersilia", "Concetta", "Filomena", "Assunta",
	"Inmaculada", "Encarnacion", "Eufemia", "Custodio", "Anacleto",
)

var unlistedSurnames = unlisted(
	"Featherstonehaugh", "Wojciechowski", "Przybylski", "Szczepanski", "Grzybowski", "Brzezinski", "Zawadzki",
	"Jablonowski", "Oyelowo", "Adeyinka", "Onyekachi", "Ezeudu", "Nwankwo", "Ogundipe", "Akinwande", "Oyebanji",
	"Mahlaba", "Sithebe", "Mkhabela", "Mabuza", "Kiplagat", "Chepngetich", "Wanyama", "Tsegaye", "Gebremedhin",
	"Haddadi", "Benjelloun", "Lahlou", "Zoubir", "Yousefzadeh", "Farahani", "Golestani", "Vakili", "Karatas",
	"Eroglu", "Sonmez", "Karakaya", "Dursun", "Lindholm", "Sundqvist", "Ekstrom", "Wallin", "Sandberg",
	"Grunewald", "Hinterberger", "Oberhauser", "Kirchner", "Pfeffer", "Rottenberg", "Lindemann", "Quattrocchi",
	"Scognamiglio", "Buonarroti", "Zanetti", "Bettencourt", "Figueiras", "Valadares", "Quaresma", "Echeverria",
	"Urquhart", "Etxeberria", "Goikoetxea", "Arrieta", "Zubizarreta", "Takamura", "Nishikawa", "Kurosawa",
	"Hoshino", "Tsukamoto", "Miyazaki", "Yamaoka", "Xiong", "Kuang", "Ouyang", "Nakashima", "Phung", "Trieu",
	"Seong", "Gwak", "Venkatraman", "Chidambaram", "Ramaswamy", "Kothari", "Bhandari", "Dhaliwal", "Gurung",
	"Thapa", "Shrestha", "Tamang", "Bhattarai",
)

// unlisted keeps the names that are not on the scanner's list.
func unlisted(names ...string) []string {
	out := names[:0]
	for _, n := range names {
		if !pii.NameListed(n) {
			out = append(out, n)
		}
	}
	return out
}
