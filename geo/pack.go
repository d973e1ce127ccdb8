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
// the order of incs. Vocabulary fields (event type, status, an actor's
// role, ...; vocabularyField) are left as they are: decoding gives them
// constants, shared by every record. Every other field is replaced by an
// equal value (a substring of a new string, a slice of a new array with
// its capacity cut to its length), so nothing a reader sees changes but
// where the bytes are.
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
		strs:    interner{seen: map[string]string{}},
		actors:  sharedLists[IncidentActor]{byKey: map[string][]IncidentActor{}},
		sources: sharedLists[Source]{byKey: map[string][]Source{}},
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			p := packer{shared: shared, strs: map[string]int32{},
				actors: blockLists[IncidentActor]{index: map[string]int32{}}, sources: blockLists[Source]{index: map[string]int32{}}}
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
// packIncidents, keyed by value (lists by their listKind's key). Packers
// take mu to read or add to it, once per block.
type sharedValues struct {
	mu      sync.Mutex
	strs    interner
	actors  sharedLists[IncidentActor]
	sources sharedLists[Source]
}

// sharedArenaSize is the size of a sharedValues block: bytes of text, or
// elements of a list array.
const sharedArenaSize = 16 << 10

// str returns the shared copy of s, making it; mu is held.
func (sv *sharedValues) str(s string) string { return sv.strs.intern(s) }

// interner keeps one copy of each distinct string it is given, in an
// arena: seen maps each value to its copy.
type interner struct {
	seen map[string]string
	text textArena
}

// intern returns the copy of s, making it when s is new.
func (in *interner) intern(s string) string {
	if c, ok := in.seen[s]; ok {
		return c
	}
	c := in.text.copy(s)
	in.seen[c] = c
	return c
}

// textArena copies strings into blocks of at least sharedArenaSize bytes,
// one allocation for many strings.
type textArena struct {
	b strings.Builder // the current block, replaced when full
}

// copy returns a copy of s in the arena.
func (a *textArena) copy(s string) string {
	if a.b.Cap()-a.b.Len() < len(s) {
		a.b = strings.Builder{}
		a.b.Grow(max(sharedArenaSize, len(s)))
	}
	start := a.b.Len()
	a.b.WriteString(s) // within the capacity: the block's earlier strings stay where they are
	return a.b.String()[start:]
}

// DetachStrings replaces every string of incs by an equal one in new
// memory, each distinct value once, so that none points into the stored
// forms DecodeStored decoded them from (in place, as substrings). A
// store's loader calls it for each batch it decodes, so the stored forms
// are freed as the load goes on rather than held until NewIndex packs the
// strings (at 1M incidents, 264 MB of them). seen is scratch for the
// distinct values; it is emptied.
func DetachStrings(incs []Incident, seen map[string]string) {
	in := interner{seen: seen}
	detach := func(s *string) { *s = in.intern(*s) }
	for i := range incs {
		incs[i].eachString(detach)
	}
	clear(seen)
}

// listKind is what packing needs of one kind of list field of Incident
// (Actors, Sources): a key that two lists share exactly when they are
// equal, its strings, and how many elements a shared array holds.
type listKind[T any] struct {
	key        func(b []byte, list []T) []byte
	eachString func(list []T, fn func(*string))
	arenaLen   int
}

var (
	actorLists  = listKind[IncidentActor]{key: actorsKey, eachString: eachActorString, arenaLen: sharedArenaSize / 64}
	sourceLists = listKind[Source]{key: sourcesKey, eachString: eachSourceString, arenaLen: sharedArenaSize / 128}
)

// sharedLists holds the shared copies of one kind of list, keyed by key,
// in arrays of which arena is the last.
type sharedLists[T any] struct {
	byKey map[string][]T
	arena []T
}

// get returns the shared copy of list, whose key is key, making it with
// shared strings; sv.mu is held.
func (sl *sharedLists[T]) get(sv *sharedValues, k listKind[T], key string, list []T) []T {
	if c, ok := sl.byKey[key]; ok {
		return c
	}
	if cap(sl.arena)-len(sl.arena) < len(list) {
		sl.arena = make([]T, 0, max(k.arenaLen, len(list)))
	}
	start := len(sl.arena)
	sl.arena = append(sl.arena, list...)
	c := sl.arena[start:len(sl.arena):len(sl.arena)]
	k.eachString(c, func(s *string) { *s = sv.str(*s) })
	sl.byKey[key] = c
	return c
}

// blockLists counts the distinct lists of one kind in a block: index maps
// each list's key to its place in vals.
type blockLists[T any] struct {
	index map[string]int32
	vals  []packedList[T]
}

// reset empties bl for the next block.
func (bl *blockLists[T]) reset() {
	clear(bl.index)
	bl.vals = bl.vals[:0]
}

// count records one occurrence of list, which is not empty, and returns
// its index in vals; key is scratch for its key.
func (bl *blockLists[T]) count(k listKind[T], key *[]byte, list []T) int32 {
	*key = k.key((*key)[:0], list)
	i, ok := bl.index[string(*key)]
	if !ok {
		s := string(*key)
		i = int32(len(bl.vals))
		bl.index[s] = i
		bl.vals = append(bl.vals, packedList[T]{key: s, list: list})
	}
	bl.vals[i].count++
	return i
}

// share gives each list that repeats in the block its shared copy from sl,
// and returns how many elements the others hold; sv.mu is held.
func (bl *blockLists[T]) share(sv *sharedValues, sl *sharedLists[T], k listKind[T]) int {
	n := 0
	for i := range bl.vals {
		if v := &bl.vals[i]; v.count > 1 {
			v.out = sl.get(sv, k, v.key, v.list)
		} else {
			n += len(v.list)
		}
	}
	return n
}

// place replaces *field, which is list i of the block (none when i < 0),
// with its shared copy, whose strings are skipped, or with a copy appended
// to arena, whose strings are replaced.
func (bl *blockLists[T]) place(k listKind[T], field *[]T, i int32, arena *[]T, replace, skip func(*string)) {
	switch {
	case i < 0:
		return
	case bl.vals[i].out != nil:
		*field = bl.vals[i].out
		k.eachString(*field, skip)
		return
	}
	*arena = append(*arena, *field...)
	*field = (*arena)[len(*arena)-len(*field) : len(*arena) : len(*arena)]
	k.eachString(*field, replace)
}

// packer is the state of packIncidents on one goroutine, reused from block
// to block.
type packer struct {
	shared *sharedValues
	// strs maps each distinct string of the block to its index in strVals;
	// visits is the index of each string visited, in order, for the second
	// pass to replay. actors and sources count the block's lists.
	strs    map[string]int32
	strVals []packedString
	visits  []int32
	actors  blockLists[IncidentActor]
	sources blockLists[Source]
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
	p.strVals, p.visits = p.strVals[:0], p.visits[:0]
	p.actors.reset()
	p.sources.reset()

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
			listIdx[r][0] = p.actors.count(actorLists, &p.key, in.Actors)
		}
		if len(in.Sources) > 0 {
			listIdx[r][1] = p.sources.count(sourceLists, &p.key, in.Sources)
		}
	}

	// Repeated values and lists take their shared copies; the rest are
	// copied into the block's string and arrays.
	size := 0
	sv := p.shared
	sv.mu.Lock()
	for i := range p.strVals {
		if v := &p.strVals[i]; v.count > 1 {
			v.out = sv.str(v.s)
		} else {
			size += len(v.s)
		}
	}
	nActors := p.actors.share(sv, &sv.actors, actorLists)
	nSources := p.sources.share(sv, &sv.sources, sourceLists)
	sv.mu.Unlock()
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
		p.actors.place(actorLists, &in.Actors, listIdx[r][0], &actors, replace, skip)
		p.sources.place(sourceLists, &in.Sources, listIdx[r][1], &sources, replace, skip)
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
// in, not counting its actors and sources: its ID and the text fields of
// the codec's table, so a field added there is packed too.
func (in *Incident) eachOwnString(fn func(*string)) {
	if in.ID != "" {
		fn((*string)(&in.ID))
	}
	incidentCodec.eachText(in, fn)
}

// eachActorString calls fn with a pointer to every non-empty string of
// list but its roles, which decoding gives their constants (actorRoles).
func eachActorString(list []IncidentActor, fn func(*string)) {
	for i := range list {
		a := &list[i]
		for _, s := range [...]*string{(*string)(&a.Actor), &a.Name} {
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
