#!/usr/bin/env bash
# Regenerates the bundled sample catalog: synthetic but plausible artists, albums and track
# titles, deterministic (same output every run). About one track in eight carries an ISRC.
#   data/sample/generate.sh [TRACKS] [ALBUMS]   (defaults 3000 and 300)
set -euo pipefail
cd "$(dirname "$0")"
tracks="${1:-3000}"
albums="${2:-300}"
awk -v tracks="$tracks" -v albums="$albums" '
function pick(arr, n,   i) { seed = (seed * 1103515245 + 12345) % 2147483648; i = int(seed / 65536) % n; return arr[i + 1] }
function cap(s) { return toupper(substr(s, 1, 1)) substr(s, 2) }
BEGIN {
  seed = 42
  na = split("velvet neon silver hollow electric golden midnight crystal paper wild quiet broken lunar scarlet northern amber frozen copper hidden distant", adj, " ")
  nn = split("foxes harbor engines gardens tides ravens lanterns machines rivers echoes pilots satellites wolves orchards mirrors parades signals comets cathedrals tigers", noun, " ")
  nf = split("Ada Milo June Theo Iris Omar Lena Felix Nora Hugo Clara Ezra Maya Jonah Ines Luca Vera Otto Zoe Abel", first, " ")
  nl = split("Hart Quinn Moreau Lindqvist Okafor Reyes Novak Sato Byrne Kowalski Haddad Ferreira Nakamura Brandt Costa Duval Weiss Larsen Rossi Adeyemi", last, " ")
  nw = split("love night fire rain summer heart dream light ghost city ocean shadow morning river star silence gold home storm dance", word, " ")
  nv = split("falling running waiting burning dancing drifting breaking calling fading shining", verb, " ")
  for (i = 1; i <= 400; i++) {
    r = i % 3
    if (r == 0) artist[i] = "The " cap(pick(adj, na)) " " cap(pick(noun, nn))
    else if (r == 1) artist[i] = pick(first, nf) " " pick(last, nl)
    else artist[i] = cap(pick(adj, na)) " " cap(pick(noun, nn))
  }
  print "artist,title,album,isrc,mbid,spotify_id,discogs_id" > "tracks.csv"
  print "artist,album,upc,mbid,spotify_id,discogs_id,year" > "albums.csv"
  for (a = 1; a <= albums; a++) {
    art = artist[(a * 7) % 400 + 1]
    album[a] = cap(pick(word, nw)) " " (a % 2 ? "of " cap(pick(noun, nn)) : cap(pick(verb, nv)))
    albart[a] = art
    printf "\"%s\",\"%s\",,,,,%d\n", art, album[a], 1965 + (a * 13) % 60 >> "albums.csv"
  }
  for (t = 1; t <= tracks; t++) {
    a = (t * 31) % albums + 1
    f = t % 4
    if (f == 0) title = cap(pick(word, nw)) " " cap(pick(verb, nv))
    else if (f == 1) title = cap(pick(verb, nv)) " " cap(pick(word, nw))
    else if (f == 2) title = "The " cap(pick(word, nw)) " " cap(pick(noun, nn))
    else title = cap(pick(word, nw)) " (" cap(pick(adj, na)) " " cap(pick(word, nw)) ")"
    title = title " " t
    isrc = (t % 8 == 0) ? sprintf("US%s%02d%05d", "TF1", t % 100, t) : ""
    printf "\"%s\",\"%s\",\"%s\",%s,,,\n", albart[a], title, album[a], isrc >> "tracks.csv"
  }
}'
echo "wrote $(($(wc -l < tracks.csv) - 1)) tracks to data/sample/tracks.csv and $(($(wc -l < albums.csv) - 1)) albums to data/sample/albums.csv" >&2
