package geo

import (
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// packBlock is how many consecutive records packIncidents lays out
// together: an incident table chunk, so a block is what an update copies.
const packBlock = incidentChunkSize

// packIncidents moves the variable-length data of incs (the bytes of every
// string field, the Actors and Sources arrays) into new memory laid out in
// the order of incs. Every field is replaced by an equal value (a
// substring of a new string, a slice of a new array with its capacity cut
// to its length), so nothing a reader sees changes but where the bytes are.
//
// NewIndex calls it after moving the records into the quadtree's order, so
// that a page of one area reads a few contiguous stretches of memory
// instead of a cache miss per string: the loader allocated those in its own
// order (one allocation per string from a database, or one block for all
// IDs in generation order). Values that differ from record to record (IDs,
// descriptions, source URLs) are copied into one string per block of
// packBlock records, in the records' order, and actor and source lists into
// one array each per block. Values that repeat (event types, town names,
// actor IDs, a constant description, the same list of actors) are kept
// once for the whole index, in a few small shared blocks that stay in cache
// whatever a query reads: a value is taken for repeating when it occurs
// twice in one block. It writes only the records and memory it allocates,
// never the strings and arrays the records pointed to, which may be shared.
func packIncidents(incs []Incident) {
	blocks := (len(incs) + packBlock - 1) / packBlock
	workers := min(runtime.GOMAXPROCS(0), blocks)
	shared := &sharedValues{
		strs:    map[string]string{},
		actors:  map[string][]IncidentActor{},
		sources: map[string][]Source{},
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			p := packer{shared: shared, strs: map[string]int32{}, actors: map[string]int32{}, sources: map[string]int32{}}
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

// sharedValues holds the values that repeat, one copy each for a whole
// packIncidents, keyed by value (lists by listKey). Packers take mu to
// read or add to it, once per block.
type sharedValues struct {
	mu      sync.Mutex
	strs    map[string]string
	actors  map[string][]IncidentActor
	sources map[string][]Source
	// text is the block strings are copied into, actorArena and
	// sourceArena the arrays lists are; each is replaced when full.
	text        strings.Builder
	actorArena  []IncidentActor
	sourceArena []Source
}

// sharedArenaSize is the size of a sharedValues block: bytes of text, or
// elements of a list array.
const sharedArenaSize = 16 << 10

// str returns the shared copy of s, making it; mu is held.
func (sv *sharedValues) str(s string) string {
	if c, ok := sv.strs[s]; ok {
		return c
	}
	if sv.text.Cap()-sv.text.Len() < len(s) {
		sv.text = strings.Builder{}
		sv.text.Grow(max(sharedArenaSize, len(s)))
	}
	start := sv.text.Len()
	sv.text.WriteString(s)
	c := sv.text.String()[start:]
	sv.strs[c] = c
	return c
}

// actorList returns the shared copy of list, whose key is key, making it
// with shared strings; mu is held.
func (sv *sharedValues) actorList(key string, list []IncidentActor) []IncidentActor {
	if c, ok := sv.actors[key]; ok {
		return c
	}
	if cap(sv.actorArena)-len(sv.actorArena) < len(list) {
		sv.actorArena = make([]IncidentActor, 0, max(sharedArenaSize/64, len(list)))
	}
	start := len(sv.actorArena)
	for _, a := range list {
		sv.actorArena = append(sv.actorArena, IncidentActor{Actor: ActorID(sv.str(string(a.Actor))), Name: sv.str(a.Name), Role: ActorRole(sv.str(string(a.Role)))})
	}
	c := sv.actorArena[start:len(sv.actorArena):len(sv.actorArena)]
	sv.actors[key] = c
	return c
}

// sourceList is actorList for sources.
func (sv *sharedValues) sourceList(key string, list []Source) []Source {
	if c, ok := sv.sources[key]; ok {
		return c
	}
	if cap(sv.sourceArena)-len(sv.sourceArena) < len(list) {
		sv.sourceArena = make([]Source, 0, max(sharedArenaSize/128, len(list)))
	}
	start := len(sv.sourceArena)
	for _, s := range list {
		sv.sourceArena = append(sv.sourceArena, Source{
			Publisher: sv.str(s.Publisher), Title: sv.str(s.Title), URL: sv.str(s.URL), Published: s.Published, Note: sv.str(s.Note),
		})
	}
	c := sv.sourceArena[start:len(sv.sourceArena):len(sv.sourceArena)]
	sv.sources[key] = c
	return c
}

// packer is the state of packIncidents on one goroutine, reused from block
// to block.
type packer struct {
	shared *sharedValues
	// strs, actors and sources map each distinct value of the block (lists
	// by listKey) to its index in the slices below; visits is the index of
	// each string visited, in order, for the second pass to replay.
	strs, actors, sources map[string]int32
	strVals               []packedString
	actorVals             []packedList[IncidentActor]
	sourceVals            []packedList[Source]
	visits                []int32
	// lists is the index of each record's actor and source list, -1 for
	// none; key is the key of the list being counted.
	lists [][2]int32
	key   []byte
}

// packedString is a distinct string of a block: how often it occurs, and
// the value that replaces it.
type packedString struct {
	s     string
	count int32
	out   string
}

// packedList is a distinct actor or source list of a block: its key, how
// often it occurs, and the shared list that replaces it (nil: it is copied
// into the block's array).
type packedList[T any] struct {
	key   string
	list  []T
	count int32
	out   []T
}

// pack packs one block of records, as packIncidents describes.
func (p *packer) pack(block []Incident) {
	clear(p.strs)
	clear(p.actors)
	clear(p.sources)
	p.strVals, p.actorVals, p.sourceVals, p.visits = p.strVals[:0], p.actorVals[:0], p.sourceVals[:0], p.visits[:0]

	// Count every value and list; remember each record's lists.
	count := func(s *string) {
		i, ok := p.strs[*s]
		if !ok {
			i = int32(len(p.strVals))
			p.strs[*s] = i
			p.strVals = append(p.strVals, packedString{s: *s})
		}
		p.strVals[i].count++
		p.visits = append(p.visits, i)
	}
	p.lists = slices.Grow(p.lists[:0], len(block))[:len(block)]
	listIdx := p.lists
	for r := range block {
		in := &block[r]
		in.eachString(count)
		listIdx[r] = [2]int32{-1, -1}
		if len(in.Actors) > 0 {
			p.key = actorsKey(p.key[:0], in.Actors)
			i, ok := p.actors[string(p.key)]
			if !ok {
				key := string(p.key)
				i = int32(len(p.actorVals))
				p.actors[key] = i
				p.actorVals = append(p.actorVals, packedList[IncidentActor]{key: key, list: in.Actors})
			}
			p.actorVals[i].count++
			listIdx[r][0] = i
		}
		if len(in.Sources) > 0 {
			p.key = sourcesKey(p.key[:0], in.Sources)
			i, ok := p.sources[string(p.key)]
			if !ok {
				key := string(p.key)
				i = int32(len(p.sourceVals))
				p.sources[key] = i
				p.sourceVals = append(p.sourceVals, packedList[Source]{key: key, list: in.Sources})
			}
			p.sourceVals[i].count++
			listIdx[r][1] = i
		}
	}

	// Repeated values and lists take their shared copies; the rest are
	// copied into the block's string and arrays.
	size, nActors, nSources := 0, 0, 0
	p.shared.mu.Lock()
	for i := range p.strVals {
		if v := &p.strVals[i]; v.count > 1 {
			v.out = p.shared.str(v.s)
		} else {
			size += len(v.s)
		}
	}
	for i := range p.actorVals {
		if v := &p.actorVals[i]; v.count > 1 {
			v.out = p.shared.actorList(v.key, v.list)
		} else {
			nActors += len(v.list)
		}
	}
	for i := range p.sourceVals {
		if v := &p.sourceVals[i]; v.count > 1 {
			v.out = p.shared.sourceList(v.key, v.list)
		} else {
			nSources += len(v.list)
		}
	}
	p.shared.mu.Unlock()
	var sb strings.Builder
	sb.Grow(size)
	for i := range p.strVals {
		if v := &p.strVals[i]; v.count == 1 {
			sb.WriteString(v.s)
		}
	}
	text, off := sb.String(), 0
	for i := range p.strVals {
		if v := &p.strVals[i]; v.count == 1 {
			v.out = text[off : off+len(v.s)]
			off += len(v.s)
		}
	}

	// Replace the fields, replaying the visits of the first pass; a shared
	// list's strings are skipped, as its copy has shared ones already.
	actors := make([]IncidentActor, 0, nActors)
	sources := make([]Source, 0, nSources)
	k := 0
	replace := func(s *string) {
		*s = p.strVals[p.visits[k]].out
		k++
	}
	skip := func(*string) { k++ }
	for r := range block {
		in := &block[r]
		in.eachOwnString(replace)
		if i := listIdx[r][0]; i >= 0 {
			if v := &p.actorVals[i]; v.out != nil {
				in.Actors = v.out
				eachActorString(in.Actors, skip)
			} else {
				actors = append(actors, in.Actors...)
				in.Actors = actors[len(actors)-len(in.Actors) : len(actors) : len(actors)]
				eachActorString(in.Actors, replace)
			}
		}
		if i := listIdx[r][1]; i >= 0 {
			if v := &p.sourceVals[i]; v.out != nil {
				in.Sources = v.out
				eachSourceString(in.Sources, skip)
			} else {
				sources = append(sources, in.Sources...)
				in.Sources = sources[len(sources)-len(in.Sources) : len(sources) : len(sources)]
				eachSourceString(in.Sources, replace)
			}
		}
	}
}

// actorsKey appends to b a key that two actor lists share exactly when
// they are equal: each string preceded by its length.
func actorsKey(b []byte, list []IncidentActor) []byte {
	for _, a := range list {
		b = appendKeyString(b, string(a.Actor))
		b = appendKeyString(b, a.Name)
		b = appendKeyString(b, string(a.Role))
	}
	return b
}

// sourcesKey is actorsKey for sources.
func sourcesKey(b []byte, list []Source) []byte {
	for _, s := range list {
		b = appendKeyString(b, s.Publisher)
		b = appendKeyString(b, s.Title)
		b = appendKeyString(b, s.URL)
		b = appendKeyString(b, s.Note)
		d := uint64(s.Published)
		b = append(b, byte(d), byte(d>>8), byte(d>>16), byte(d>>24), byte(d>>32), byte(d>>40), byte(d>>48), byte(d>>56))
	}
	return b
}

// appendKeyString appends len(s) as a varint, then s.
func appendKeyString(b []byte, s string) []byte {
	n := uint(len(s))
	for ; n >= 0x80; n >>= 7 {
		b = append(b, byte(n)|0x80)
	}
	return append(append(b, byte(n)), s...)
}

// eachString calls fn with a pointer to every non-empty string of in:
// its own (eachOwnString), then its actors' and its sources'.
func (in *Incident) eachString(fn func(*string)) {
	in.eachOwnString(fn)
	eachActorString(in.Actors, fn)
	eachSourceString(in.Sources, fn)
}

// eachOwnString calls fn with a pointer to every non-empty string field of
// in, not counting its actors and sources.
func (in *Incident) eachOwnString(fn func(*string)) {
	for _, s := range [...]*string{
		(*string)(&in.ID), (*string)(&in.DatePrecision), (*string)(&in.Type), (*string)(&in.SubType),
		&in.Place, &in.Governorate, &in.Description, (*string)(&in.Status), &in.Origin.Dataset, &in.Origin.ID,
	} {
		if *s != "" {
			fn(s)
		}
	}
}

// eachActorString calls fn with a pointer to every non-empty string of
// list.
func eachActorString(list []IncidentActor, fn func(*string)) {
	for i := range list {
		a := &list[i]
		for _, s := range [...]*string{(*string)(&a.Actor), &a.Name, (*string)(&a.Role)} {
			if *s != "" {
				fn(s)
			}
		}
	}
}

// eachSourceString calls fn with a pointer to every non-empty string of
// list.
func eachSourceString(list []Source, fn func(*string)) {
	for i := range list {
		src := &list[i]
		for _, s := range [...]*string{&src.Publisher, &src.Title, &src.URL, &src.Note} {
			if *s != "" {
				fn(s)
			}
		}
	}
}
