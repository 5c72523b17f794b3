// Test helper: small UCR/UEA archive files (data/formats/ucr_archive.h), shared by the reader's tests and the fuzz
// seeds.
#pragma once

namespace longconv::test {

// A univariate, equal-length .ts file with comments and every tag.
inline const char* const kUcrUnivariateTs =
    "# A comment\n"
    "@problemName Tiny\n@timeStamps false\n@missing false\n@univariate true\n@equalLength true\n"
    "@seriesLength 4\n@classLabel true b a\n@data\n"
    "1,2,3,4:a\n"
    "5,6,7,8:b\n"
    "0.5,-1e1,3,2:a\n";

// Two dimensions of unequal lengths with a missing value ('?').
inline const char* const kUcrMultivariateUnequalTs =
    "@problemName Ragged\n@timeStamps false\n@missing true\n@univariate false\n@dimensions 2\n"
    "@equalLength false\n@classLabel true x y\n@data\n"
    "1,2,3:4,5,6:x\n"
    "1,?:2,3:y\n"
    "7,8,9,10,11:1,2,3,4:x\n";

// A regression problem (@targetLabel true).
inline const char* const kUcrRegressionTs =
    "@problemName R\n@timeStamps false\n@targetLabel true\n@data\n1,2:0.5\n3,4:-2\n";

// A UCR 2018 .tsv whose shorter series are NaN-padded.
inline const char* const kUcrPaddedTsv = "1\t0.1\t0.2\t0.3\n-1\t0.4\tNaN\tNaN\n1\tNaN\t0.5\t0.6\n";

}  // namespace longconv::test
