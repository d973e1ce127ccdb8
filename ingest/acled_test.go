package ingest

import (
	"bytes"
	"context"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/internal/fuzzguard"
)

// acledFixture is SYNTHETIC: invented rows in ACLED's 31-column layout (see
// testdata/README.md). ACLED's terms forbid keeping real rows here.
const acledFixture = "testdata/acled-synthetic.csv"

func readACLED(r *bytes.Reader, o Options, emit func(Record) error) (*Report, error) {
	return ReadACLED(context.Background(), r, o, emit)
}

func TestACLEDSyntheticFixture(t *testing.T) {
	data, err := os.ReadFile(acledFixture)
	if err != nil {
		t.Fatal(err)
	}
	header := strings.SplitN(string(data), "\n", 2)[0]
	if n := len(strings.Split(header, ",")); n != 31 {
		t.Fatalf("fixture header has %d columns, want ACLED's 31", n)
	}
	_, byID, rep := readAll(t, readACLED, data, Options{Actors: testActors})
	wantRejected := []Rejection{
		{8, "latitude", "95.2 is outside [-90, 90]"},
		{9, "event_date", `"31/02/2025" is not a date (YYYY-MM-DD or 15 January 2024)`},
		{10, "event_id_cnty", "is empty"},
		{11, "event_type", `"Earthquakes" is not an ACLED event type`},
		{12, "fatalities", "-4 is negative"},
	}
	if rep.Accepted != 6 || !reflect.DeepEqual(rep.Rows, wantRejected) {
		t.Fatalf("accepted %d, rejections\n%v\nwant 6 and\n%v", rep.Accepted, rep.Rows, wantRejected)
	}

	acled := geo.Source{Publisher: "ACLED", Title: "ACLED event SYNTH0001", URL: "https://acleddata.com/", Published: geo.DateOf(2025, 3, 18), Note: ACLEDAttribution}
	compareIncident(t, *byID["acled-SYNTH0001"].Incident, geo.Incident{
		ID: "acled-SYNTH0001", Date: geo.DateOf(2025, 3, 14), DateEnd: geo.DateOf(2025, 3, 14), DatePrecision: geo.PrecisionDay,
		Type: geo.Battles, SubType: "armed_clash",
		Actors: []geo.IncidentActor{
			{Actor: "sdf", Name: "Syrian Democratic Forces", Role: geo.RoleOther},
			{Name: "Synthetic Tribal Militia", Role: geo.RoleOther},
			{Actor: "sdf", Name: "Asayish", Role: geo.RoleOther},
			{Actor: "isis", Name: "Islamic State", Role: geo.RoleOther},
		},
		Location: orb.Point{40.14, 35.33}, PrecisionMeters: 2000, Place: "Synthetic Village A", Governorate: "Deir-ez-Zor",
		Fatalities:  geo.Fatalities{Low: 3, Best: 3, High: 3},
		Description: "ACLED event SYNTH0001 (Armed clash), Synthetic Subdistrict, Synthetic District. SYNTHETIC ROW. On 14 March 2025, invented clashes near an invented village; 3 fighters killed.",
		Sources: []geo.Source{acled,
			{Publisher: "Synthetic Monitor", Note: "ACLED source scale: Local partner-National"},
			{Publisher: "Example News", Note: "ACLED source scale: Local partner-National"},
		},
		Status: geo.Reported, Origin: geo.Origin{Dataset: "acled", ID: "SYNTH0001"},
	})

	tests := []struct {
		id        geo.IncidentID
		line      int
		from, to  geo.Day
		prec      geo.DatePrecision
		typ       geo.EventType
		sub       geo.SubType
		meters    float64
		gov       string
		civilians int
		roles     []geo.ActorRole
	}{
		{"acled-SYNTH0002", 3, geo.DateOf(2025, 1, 12), geo.DateOf(2025, 1, 18), geo.PrecisionWeek, geo.RemoteViolence, "ied", 25_000, "Al-Hasakeh", 2,
			[]geo.ActorRole{geo.RolePerpetrator, geo.RoleTarget}},
		{"acled-SYNTH0003", 4, geo.DateOf(2025, 2, 1), geo.DateOf(2025, 2, 28), geo.PrecisionMonth, geo.ViolenceAgainstCivils, "abduction", 100_000, "Rural Damascus", 0,
			[]geo.ActorRole{geo.RolePerpetrator, geo.RoleTarget}},
		{"acled-SYNTH0004", 6, geo.DateOf(2025, 4, 1), geo.DateOf(2025, 4, 1), geo.PrecisionDay, geo.StrategicDevelopments, "headquarters_established", 2000, "Aleppo", 0,
			[]geo.ActorRole{geo.RoleOther}},
		{"acled-SYNTH0005", 7, geo.DateOf(2025, 5, 2), geo.DateOf(2025, 5, 2), geo.PrecisionDay, geo.Protests, "peaceful_protest", 2000, "As-Sweida", 0,
			[]geo.ActorRole{geo.RoleOther}},
		{"acled-SYNTH0011", 13, geo.DateOf(2025, 6, 20), geo.DateOf(2025, 6, 20), geo.PrecisionDay, geo.Riots, "mob_violence", 2000, "Al-Hasakeh", 0,
			[]geo.ActorRole{geo.RoleOther, geo.RoleOther}},
	}
	for _, tc := range tests {
		r, ok := byID[tc.id]
		if !ok {
			t.Errorf("%s not imported", tc.id)
			continue
		}
		in := r.Incident
		var roles []geo.ActorRole
		for _, a := range in.Actors {
			roles = append(roles, a.Role)
		}
		if r.Line != tc.line || in.Date != tc.from || in.DateEnd != tc.to || in.DatePrecision != tc.prec || in.Type != tc.typ ||
			in.SubType != tc.sub || in.PrecisionMeters != tc.meters || in.Governorate != tc.gov ||
			in.Fatalities.Civilians != tc.civilians || !reflect.DeepEqual(roles, tc.roles) {
			t.Errorf("%s: line %d, %s..%s %s, %s/%s, %g m, %q, civilians %d, roles %v; want %+v",
				tc.id, r.Line, in.Date, in.DateEnd, in.DatePrecision, in.Type, in.SubType, in.PrecisionMeters,
				in.Governorate, in.Fatalities.Civilians, roles, tc)
		}
	}
	if d := byID["acled-SYNTH0003"].Incident.Description; !strings.Contains(d, "spread over two lines") {
		t.Errorf("notes with a quoted newline: %q", d)
	}
}

func TestACLEDMissingColumn(t *testing.T) {
	_, err := ReadACLED(context.Background(), strings.NewReader("event_id_cnty,event_date,event_type,latitude\nX1,2025-01-01,Battles,35\n"), Options{}, func(Record) error { return nil })
	var he *HeaderError
	if !errors.As(err, &he) || he.Column != "longitude" {
		t.Fatalf("error %v, want a HeaderError naming longitude", err)
	}
	if want := `header lacks required column "longitude"`; !strings.Contains(err.Error(), want) {
		t.Errorf("message %q does not contain %q", err, want)
	}
}

// FuzzACLEDRow feeds one arbitrary data row under the fixture's header.
func FuzzACLEDRow(f *testing.F) {
	data, err := os.ReadFile(acledFixture)
	if err != nil {
		f.Fatal(err)
	}
	lines := strings.SplitN(string(data), "\n", 3)
	header := lines[0] + "\n"
	f.Add(lines[1])
	f.Add(`S1,1 January 0001,1,2,x,Battles,Chemical weapon,a;b;;c,,,,,,,Civilian targeting,,,,Hama,,,,-91,0,3,,,,1.5,,-1`)
	f.Add(`S2,2025-12-31,2025,3,x,riots,armed clash,,,,,,,,,,,,,,,,0,0,,,,,99999999999,,99999999999999`)
	f.Add(`S3,9999-12-31,9999,2,x,Protests,Peaceful protest,,,,,,,,,,,,,,,,NaN,1e400,,,,,,,`)
	f.Fuzz(func(t *testing.T, row string) {
		defer fuzzguard.Start(t)()
		_, err := ReadACLED(context.Background(), strings.NewReader(header+row), Options{Actors: testActors}, func(r Record) error {
			if err := r.Incident.Validate(); err != nil {
				t.Fatalf("accepted an invalid incident: %v", err)
			}
			return nil
		})
		var he *HeaderError
		if errors.As(err, &he) {
			t.Fatalf("header refused: %v", err)
		}
	})
}
