package pii

import (
	"embed"
	"strings"
)

// Name list flags.
const (
	nameGiven     = 1 << iota // a given name
	nameSurname               // a family name
	nameAmbiguous             // also a common word, place or brand ("May", "Paris", "Ford")
	nameStop                  // a capitalized word that is not a name ("Street", "Monday", "Create")
	nameTitle                 // an honorific before a name ("Dr", "Mrs")
	nameParticle              // a lower-case part inside a name ("van", "de", "bin")
)

//go:embed names/*.txt
var nameFiles embed.FS

// nameFlags maps a lower-cased word to its name flags.
var nameFlags = loadNames()

// nameFilter holds the keys of nameFlags, particleFilter those of the
// particles among them.
var nameFilter, particleFilter = func() (f, p wordFilter) {
	for w, flags := range nameFlags {
		f.add(w)
		if flags&nameParticle != 0 {
			p.add(w)
		}
	}
	return f, p
}()

// particles are the lower-case parts of compound surnames ("van der",
// "de la", "al"); on the surname list they do not make a surname by
// themselves.
var particles = map[string]bool{}

func loadNames() map[string]uint8 {
	data, _ := nameFiles.ReadFile("names/particles.txt")
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(line, "#") {
			for _, w := range strings.Fields(line) {
				particles[w] = true
			}
		}
	}
	m := make(map[string]uint8, 4096)
	for file, flag := range map[string]uint8{
		"names/given.txt":     nameGiven,
		"names/surnames.txt":  nameSurname,
		"names/ambiguous.txt": nameAmbiguous,
		"names/stop.txt":      nameStop,
		"names/titles.txt":    nameTitle,
		"names/particles.txt": nameParticle,
	} {
		data, err := nameFiles.ReadFile(file)
		if err != nil {
			panic("pii: embedded name list missing: " + file) // a build defect, not input
		}
		for _, line := range strings.Split(string(data), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || line[0] == '#' {
				continue
			}
			words := strings.Fields(line)
			for _, w := range words {
				w = strings.ToLower(w)
				if flag == nameSurname && len(words) > 1 && particles[w] {
					continue // "Van der Merwe" lists "Merwe", not "van" or "der"
				}
				m[w] |= flag
			}
		}
	}
	return m
}

// NameListed reports whether word (any case) is a given name or surname of the
// embedded name list. It exists so that evaluations can tell listed names from
// unlisted ones.
func NameListed(word string) bool {
	return nameFlags[strings.ToLower(word)]&(nameGiven|nameSurname) != 0
}

// lookupName returns the flags of the word w, lower-casing ASCII without
// allocating.
func lookupName(w string) uint8 { return lookupNameIn(w, &nameFilter) }

// isParticle reports whether the word w is a name particle ("van", "de").
func isParticle(w string) bool { return lookupNameIn(w, &particleFilter)&nameParticle != 0 }

// lookupNameIn is lookupName where ASCII words missing from filter are known
// to have no flag the caller asks about.
func lookupNameIn(w string, filter *wordFilter) uint8 {
	var buf [32]byte
	if l := lowerASCII(buf[:], w); l != nil {
		ascii := true
		for _, c := range l {
			if c >= 0x80 {
				ascii = false
				break
			}
		}
		if ascii {
			if !filter.mayHave(l) {
				return 0
			}
			return nameFlags[string(l)]
		}
	}
	if len(w) > 64 {
		return 0
	}
	return nameFlags[strings.ToLower(w)]
}
