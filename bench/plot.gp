# SPDX-License-Identifier: Apache-2.0
#
# Bandwidth by block size: gnuplot -e "datadir='D'; series='S1 S2'; outfile='F'" plot.gp
# Each series is DATADIR/SERIES.dat with lines "bytes median min max".
set terminal pngcairo size 1000,620 font "sans,10"
set output outfile
set title "famfs bandwidth by block size (median, bars: min–max)"
set xlabel "block size (bytes)"
set ylabel "MB/s"
set logscale x 2
set format x "%.0b%B"
set key outside right top
set grid
plot for [s in series] datadir . "/" . s . ".dat" using 1:2:3:4 \
	with yerrorlines title s noenhanced
