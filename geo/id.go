package geo

// ActorID identifies an Actor: a lower-case slug such as "sdf" or "isis".
type ActorID string

// ZoneID identifies a Zone, for example "sdf-2026-01".
type ZoneID string

// IncidentID identifies an Incident, for example "ucdp-186940" or
// "shaddadi-prison-escape-2026-01".
type IncidentID string

// SiteID identifies a Site, for example "al-tanf-base".
type SiteID string

// maxIDLen bounds identifiers so that they stay usable in URLs and file names.
const maxIDLen = 128

// validID reports whether s is a usable identifier: 1 to 128 characters of
// ASCII letters, digits, '-', '_', '.' and ':', starting with a letter or
// digit. IDs appear in URL paths, so nothing needs escaping.
func validID(s string) bool {
	if len(s) == 0 || len(s) > maxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case i > 0 && (c == '-' || c == '_' || c == '.' || c == ':'):
		default:
			return false
		}
	}
	return true
}

func checkID(field, s string) error {
	if !validID(s) {
		return invalid(field, "%q is not an identifier (1-128 letters, digits, '-', '_', '.', ':', starting with a letter or digit)", s)
	}
	return nil
}
