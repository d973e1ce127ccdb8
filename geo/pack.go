package geo

import (
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// packBlock is how many consecutive records packIncidents gives one string
// arena and one backing array each for actors and sources: an incident
// table chunk, so a block is what an update copies.
const packBlock = incidentChunkSize

// packIncidents moves the variable-length data of incs (the bytes of every
// string field, the Actors and Sources arrays) into new memory laid out in
// the order of incs, block by block: each block of packBlock records gets
// one string holding the distinct strings of its records, in the order the
// records use them, and one array each for their actors and sources. Every
// field is replaced by an equal value (a substring of the block's string, a
// slice of the block's array with its capacity cut to its length), so
// nothing a reader sees changes but where the bytes are.
//
// NewIndex calls it after moving the records into the quadtree's order, so
// that the records of one area and everything they point to are a few
// contiguous stretches of memory instead of a cache miss per string: the
// loader allocated those in its own order (one allocation per string from
// a database, or one block for all IDs in generation order). A string that
// several records of a block share (a town name, an actor ID, a constant
// description) is copied once per block, not per record. It writes only
// the records and memory it allocates, never the old arrays the records
// pointed to, which may be shared.
func packIncidents(incs []Incident) {
	blocks := (len(incs) + packBlock - 1) / packBlock
	workers := min(runtime.GOMAXPROCS(0), blocks)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			p := packer{seen: map[string]int32{}}
			for {
				b := int(next.Add(1)) - 1
				if b >= blocks {
					return
				}
				p.pack(incs[b*packBlock : min((b+1)*packBlock, len(incs))])
			}
		})
	}
	wg.Wait()
}

// packer is the scratch state of packIncidents on one goroutine, reused
// from block to block.
type packer struct {
	// seen maps each distinct string of the block to its offset in the
	// block's string; offsets are those offsets in the order eachString
	// visits the non-empty strings, for the second pass to replay.
	seen    map[string]int32
	order   []string
	offsets []int32
}

// pack packs one block of records, as packIncidents describes.
func (p *packer) pack(block []Incident) {
	clear(p.seen)
	p.order, p.offsets = p.order[:0], p.offsets[:0]
	size, nActors, nSources := 0, 0, 0
	visit := func(s *string) {
		off, ok := p.seen[*s]
		if !ok {
			off = int32(size)
			p.seen[*s] = off
			p.order = append(p.order, *s)
			size += len(*s)
		}
		p.offsets = append(p.offsets, off)
	}
	for i := range block {
		in := &block[i]
		nActors += len(in.Actors)
		nSources += len(in.Sources)
		in.eachString(visit)
	}
	var sb strings.Builder
	sb.Grow(size)
	for _, s := range p.order {
		sb.WriteString(s)
	}
	arena := sb.String()

	actors := make([]IncidentActor, 0, nActors)
	sources := make([]Source, 0, nSources)
	k := 0
	replace := func(s *string) {
		off := int(p.offsets[k])
		*s = arena[off : off+len(*s)]
		k++
	}
	for i := range block {
		in := &block[i]
		if n := len(in.Actors); n > 0 {
			actors = append(actors, in.Actors...)
			in.Actors = actors[len(actors)-n : len(actors) : len(actors)]
		}
		if n := len(in.Sources); n > 0 {
			sources = append(sources, in.Sources...)
			in.Sources = sources[len(sources)-n : len(sources) : len(sources)]
		}
		in.eachString(replace)
	}
}

// eachString calls fn with a pointer to every non-empty string of in,
// including those of its actors and sources, in the order of the fields.
func (in *Incident) eachString(fn func(*string)) {
	for _, s := range [...]*string{
		(*string)(&in.ID), (*string)(&in.DatePrecision), (*string)(&in.Type), (*string)(&in.SubType),
	} {
		if *s != "" {
			fn(s)
		}
	}
	for i := range in.Actors {
		a := &in.Actors[i]
		for _, s := range [...]*string{(*string)(&a.Actor), &a.Name, (*string)(&a.Role)} {
			if *s != "" {
				fn(s)
			}
		}
	}
	for _, s := range [...]*string{&in.Place, &in.Governorate, &in.Description} {
		if *s != "" {
			fn(s)
		}
	}
	for i := range in.Sources {
		src := &in.Sources[i]
		for _, s := range [...]*string{&src.Publisher, &src.Title, &src.URL, &src.Note} {
			if *s != "" {
				fn(s)
			}
		}
	}
	for _, s := range [...]*string{(*string)(&in.Status), &in.Origin.Dataset, &in.Origin.ID} {
		if *s != "" {
			fn(s)
		}
	}
}
