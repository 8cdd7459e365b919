# Writes R's seasonal datasets (Debian r-base-core, package datasets) as
# "time,value" CSVs into the folder given (default "."), for the generality
# check of the forecaster defaults:
#   Rscript tests/bench/export-r-series.R /tmp/ts
#   build/tests/bench/bench-forecast build/tools/rnc-train /tmp/ts/nottem.csv:12 ...
# (the period, frequency(x), is printed for each file).
args <- commandArgs(trailingOnly = TRUE)
dir <- if (length(args) > 0) args[1] else "."
for (n in c("nottem", "ldeaths", "mdeaths", "fdeaths", "USAccDeaths",
            "UKDriverDeaths", "UKgas", "austres", "JohnsonJohnson")) {
  x <- get(n)
  f <- frequency(x)
  yr <- as.integer(floor(time(x) + 1e-8))
  cy <- as.integer(cycle(x))
  df <- data.frame(time = if (f == 4) sprintf("%04d-Q%d", yr, cy) else
                            sprintf("%04d-%02d", yr, cy),
                   value = format(as.numeric(x), digits = 15, trim = TRUE,
                                  scientific = FALSE))
  path <- file.path(dir, paste0(n, ".csv"))
  write.table(df, file = path, sep = ",", quote = FALSE, row.names = FALSE,
              eol = "\n")
  cat(sprintf("%s:%d  (%d values)\n", path, f, length(x)))
}
