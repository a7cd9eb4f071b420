"""The synthetic OCR benchmark: filled forms (synth) photographed in simulation (photo_sim),
read (reader), scored per bucket (score) and reported (report, run). Not part of the reader."""
