package embedded

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/RoaringBitmap/roaring/v2"
)

// The in-memory index is saved by Close to <dir>/memindex.bin and loaded by the next Open
// when the previous process closed cleanly (else it is rebuilt from the records with the
// search index). Format (little endian): magic, version, doc count; the listing ids; per
// keyword field the number of values, then per value its string and its roaring bitmap
// (portable format, length-prefixed); per numeric field the column and the order; the id
// order. Strings are uvarint length + bytes.
const (
	snapshotMagic   = "DWMI"
	snapshotVersion = 1
	snapshotFile    = "memindex.bin"
	// maxSnapshotString bounds one string of a snapshot (a corrupt length must not
	// allocate gigabytes).
	maxSnapshotString = 1 << 20
)

// save writes the index to path atomically (temp file, fsync, rename).
func (m *memIndex) save(path string) (err error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	w := bufio.NewWriterSize(f, 1<<20)
	put := func(v any) {
		if err == nil {
			err = binary.Write(w, binary.LittleEndian, v)
		}
	}
	str := func(s string) {
		if err == nil {
			_, err = w.Write(binary.AppendUvarint(nil, uint64(len(s))))
		}
		if err == nil {
			_, err = w.WriteString(s)
		}
	}
	_, err = w.WriteString(snapshotMagic)
	put(uint32(snapshotVersion))
	put(uint32(len(m.ids)))
	for _, id := range m.ids {
		str(id)
	}
	for f := range m.kw {
		put(uint32(len(m.kw[f])))
		for _, v := range slices.Sorted(mapKeys(m.kw[f])) {
			str(v)
			if err != nil {
				break
			}
			var raw []byte
			if raw, err = m.kw[f][v].ToBytes(); err == nil {
				put(uint32(len(raw)))
				_, err = w.Write(raw)
			}
		}
	}
	for f := range m.num {
		put(m.num[f].col)
		put(m.num[f].order)
	}
	put(m.byID)
	if err != nil {
		return err
	}
	if err = w.Flush(); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// loadMemIndex reads a snapshot written by save.
func loadMemIndex(path string) (*memIndex, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	get := func(v any) {
		if err == nil {
			err = binary.Read(r, binary.LittleEndian, v)
		}
	}
	str := func() string {
		if err != nil {
			return ""
		}
		var n uint64
		if n, err = binary.ReadUvarint(r); err != nil {
			return ""
		}
		if n > maxSnapshotString {
			err = fmt.Errorf("string of %d bytes", n)
			return ""
		}
		b := make([]byte, n)
		_, err = io.ReadFull(r, b)
		return string(b)
	}
	magic := make([]byte, len(snapshotMagic))
	if _, err = io.ReadFull(r, magic); err != nil || string(magic) != snapshotMagic {
		return nil, errors.New("not a memindex snapshot")
	}
	var version, n uint32
	get(&version)
	if err == nil && version != snapshotVersion {
		return nil, fmt.Errorf("snapshot version %d, want %d", version, snapshotVersion)
	}
	get(&n)
	m := newMemIndex()
	m.ids = make([]string, 0, min(n, 1<<24))
	for range n {
		id := str()
		if err != nil {
			break
		}
		m.docs[id] = uint32(len(m.ids))
		m.ids = append(m.ids, id)
	}
	for fi := range m.kw {
		var nv uint32
		get(&nv)
		for range nv {
			v := str()
			var size uint32
			get(&size)
			if err != nil {
				break
			}
			if size > 1<<30 {
				return nil, fmt.Errorf("bitmap of %d bytes", size)
			}
			raw := make([]byte, size)
			if _, err = io.ReadFull(r, raw); err != nil {
				break
			}
			bm := roaring.New()
			if err = bm.UnmarshalBinary(raw); err != nil {
				break
			}
			if !bm.IsEmpty() && int(bm.Maximum()) >= len(m.ids) {
				return nil, fmt.Errorf("read snapshot: bitmap of %q holds an unknown doc", v)
			}
			m.kw[fi][v] = bm
		}
	}
	if err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	for fi := range m.num {
		m.num[fi].col = make([]float64, len(m.ids))
		m.num[fi].order = make([]uint32, len(m.ids))
		get(m.num[fi].col)
		get(m.num[fi].order)
	}
	m.byID = make([]uint32, len(m.ids))
	get(m.byID)
	if err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	for fi := range m.num {
		if slices.ContainsFunc(m.num[fi].order, func(d uint32) bool { return int(d) >= len(m.ids) }) {
			return nil, errors.New("read snapshot: order holds an unknown doc")
		}
	}
	if slices.ContainsFunc(m.byID, func(d uint32) bool { return int(d) >= len(m.ids) }) {
		return nil, errors.New("read snapshot: id order holds an unknown doc")
	}
	m.fillVendors()
	m.cols.fill(&m.kw, len(m.ids))
	return m, nil
}
