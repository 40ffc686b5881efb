#!/usr/bin/env bash
# Benchmark: the libpcap floor, revoscope and tshark on the same capture, median of several runs.
#
# usage: tests/bench/run.sh [--size-mib N] [--runs N] [--capture FILE] [--skip-tshark] [--scaling]
#   Builds build-bench/ (Release), generates the capture outside the repository (default
#   /tmp/revoscope-bench/bench-<N>MiB.pcap) unless --capture is given, and prints wall time, CPU time and
#   peak RSS of each program with the ratios revoscope/floor and tshark/revoscope.
#   --scaling also measures 64/256/1024 MiB captures and 10^3/10^5/10^6 idle flows.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
size=1024 runs=5 capture="" skip_tshark=0 scaling=0
while (($#)); do
  case "$1" in
    --size-mib) size="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --capture) capture="$2"; shift 2 ;;
    --skip-tshark) skip_tshark=1; shift ;;
    --scaling) scaling=1; shift ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
work=/tmp/revoscope-bench
mkdir -p "$work"
cmake -S "$root" -B "$root/build-bench" -DCMAKE_BUILD_TYPE=Release -DREVO_BUILD_TESTS=OFF >/dev/null
cmake --build "$root/build-bench" -j"$(nproc)" --target revoscope >/dev/null
g++ -O2 -o "$work/floor" "$here/floor.cpp" -lpcap
rv="$root/build-bench/revoscope"

gen() {  # size_mib -> path
  local f="$work/bench-$1MiB.pcap"
  [[ -s "$f" ]] || python3 "$here/gen_capture.py" "$f" --size-mib "$1" >&2
  echo "$f"
}

# measure NAME CMD... : prints "wall_s cpu_s rss_kib" medians over $runs runs
measure() {
  local name="$1"; shift
  local walls=() cpus=() rsss=()
  for ((i = 0; i < runs; i++)); do
    local rc=0
    /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$@" >/dev/null 2>"$work/$name.err" || rc=$?
    # revoscope exits 1 when it reports findings; anything else (or a crash) must not pass as a timing.
    if ((rc > 1)); then echo "run.sh: $name failed (exit $rc): $(head -c 300 "$work/$name.err")" >&2; exit 1; fi
    sed -i "/^Command/d" "$work/time.txt"  # GNU time notes a non-zero exit on a line of its own
    read -r w u s m < "$work/time.txt"
    walls+=("$w"); cpus+=("$(echo "$u + $s" | bc -l)"); rsss+=("$m")
  done
  printf '%s %s %s\n' "$(printf '%s\n' "${walls[@]}" | sort -g | sed -n "$(((runs + 1) / 2))p")" \
    "$(printf '%s\n' "${cpus[@]}" | sort -g | sed -n "$(((runs + 1) / 2))p")" \
    "$(printf '%s\n' "${rsss[@]}" | sort -g | sed -n "$(((runs + 1) / 2))p")"
}

bench_file() {
  local f="$1"
  cat /dev/null > "$work/results.txt"
  echo "capture: $f ($(du -h "$f" | cut -f1), $(capinfos -c -M "$f" | awk -F: '/Number of packets/ {gsub(/ /,"",$2); print $2}') packets)"
  read -r fw fc fm < <(measure floor "$work/floor" "$f")
  read -r rw rc rm < <(measure revoscope "$rv" analyze --format jsonl --quiet "$f")
  printf '%-10s wall %8.2f s  cpu %8.2f s  peak RSS %8d KiB\n' floor "$fw" "$fc" "$fm"
  printf '%-10s wall %8.2f s  cpu %8.2f s  peak RSS %8d KiB\n' revoscope "$rw" "$rc" "$rm"
  printf 'ratio revoscope/floor (wall): %.2f\n' "$(echo "$rw / $fw" | bc -l)"
  if ((!skip_tshark)); then
    local truns=$runs; runs=$(( runs > 3 ? 3 : runs ))
    read -r tw tc tm < <(measure tshark tshark -r "$f" -n -Y "tls.handshake.type==1 || tls.handshake.type==22 || ocsp" -T fields \
      -e frame.number -e tls.handshake.extensions_server_name -e tls.handshake.extension.type \
      -e tls.handshake.type -e ocsp.responseStatus -e ocsp.certStatus -e ocsp.thisUpdate -e ocsp.serialNumber)
    runs=$truns
    printf '%-10s wall %8.2f s  cpu %8.2f s  peak RSS %8d KiB\n' tshark "$tw" "$tc" "$tm"
    printf 'ratio tshark/revoscope (wall): %.1f\n' "$(echo "$tw / $rw" | bc -l)"
  fi
}

echo "machine: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r); $(date -u '+%F %T UTC')"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
trap 'echo "load average after: $(cut -d" " -f1-3 /proc/loadavg)"' EXIT
if [[ -n "$capture" ]]; then bench_file "$capture"; else bench_file "$(gen "$size")"; fi

if ((scaling)); then
  echo "--- scaling with capture size (revoscope, median of $runs) ---"
  for s in 64 256 1024; do
    f="$(gen "$s")"
    read -r w c m < <(measure revoscope "$rv" analyze --format jsonl --quiet "$f")
    printf '%5d MiB: wall %7.2f s  peak RSS %8d KiB\n' "$s" "$w" "$m"
  done
  echo "--- scaling with idle/half-open flows (SYN only) ---"
  for n in 1000 100000 1000000; do
    f="$work/syn-$n.pcap"
    [[ -s "$f" ]] || python3 "$here/gen_syn_flood.py" "$f" "$n"
    read -r w c m < <(measure revoscope "$rv" analyze --format jsonl --quiet "$f")
    printf '%8d flows: wall %7.2f s  peak RSS %8d KiB\n' "$n" "$w" "$m"
  done
fi
