# R reference: improved Farrington (Noufaily et al. 2013) per class, licences as population offset.
#
# Usage: Rscript farrington.R counts.csv alarms.csv ALPHA FIRST_EVAL_MONTH
#   counts.csv   columns class_key, period (YYYY-MM-01), violations, exposure (one row per class x month,
#                every month of the series)
#   alarms.csv   written: class_key, period, observed, upperbound, alarm, b, reweight, alpha
#   ALPHA        one-sided level (farringtonFlexible's default is 0.05)
#   FIRST_EVAL_MONTH  YYYY-MM-01 of the first month evaluated
#
# Options (surveillance::farringtonFlexible, Noufaily's improved version, monthly):
#   noPeriods = 10, populationOffset = TRUE, powertrans = "2/3", weightsThreshold = 2.58,
#   pThresholdTrend = 1, thresholdMethod = "nbPlugin", trend = TRUE, reweight = TRUE (see below),
#   w = 1 (reference windows of 3 months), pastWeeksNotIncluded = 6 (half a year, the monthly
#   counterpart of Noufaily's 26 weeks), limit54 = c(5, 4) (default: >= 5 cases in the last 4 months).
#   b = the most whole years of history available for the month (farringtonFlexible needs
#   t > 12 b + w): the months are evaluated in blocks with b = 2, 3, 4.
suppressPackageStartupMessages(library(surveillance))
args <- commandArgs(trailingOnly = TRUE)
counts <- read.csv(args[1], stringsAsFactors = FALSE)
out_file <- args[2]
alpha <- as.numeric(args[3])
first_eval <- as.Date(args[4])

counts$period <- as.Date(counts$period)
periods <- sort(unique(counts$period))
keys <- sort(unique(counts$class_key))
obs <- matrix(0, nrow = length(periods), ncol = length(keys), dimnames = list(NULL, keys))
pop <- obs
i <- match(counts$period, periods)
j <- match(counts$class_key, keys)
obs[cbind(i, j)] <- counts$violations
pop[cbind(i, j)] <- pmax(counts$exposure, 1)
start <- c(as.integer(format(periods[1], "%Y")), as.integer(format(periods[1], "%m")))
s <- sts(observed = obs, population = pop, start = start, frequency = 12)

w <- 1
t_first <- match(first_eval, periods)
n <- length(periods)
fit_one <- function(k, lo, hi, b, reweight) {
  control <- list(range = lo:hi, b = b, w = w, noPeriods = 10, populationOffset = TRUE,
                  powertrans = "2/3", weightsThreshold = 2.58, pThresholdTrend = 1,
                  thresholdMethod = "nbPlugin", trend = TRUE, reweight = reweight,
                  pastWeeksNotIncluded = 6, alpha = alpha, limit54 = c(5, 4), glmWarnings = FALSE)
  farringtonFlexible(s[, k], control = control)
}
results <- list()
for (b in 2:5) {
  lo <- max(t_first, 12 * b + w + 1)
  hi <- if (b < 5) min(n, 12 * (b + 1) + w) else n
  if (lo > hi) next
  for (k in seq_along(keys)) {
    # With b = 2 the 10-level period factor has levels holding a single month (leverage 1): R cannot
    # compute the Anscombe residuals for the reweighting and stops. Such fits are redone without
    # reweighting (column reweight = 0).
    reweight <- TRUE
    fit <- tryCatch(fit_one(k, lo, hi, b, TRUE), error = function(e) NULL)
    if (is.null(fit)) {
      reweight <- FALSE
      fit <- fit_one(k, lo, hi, b, FALSE)
    }
    results[[length(results) + 1]] <- data.frame(
      class_key = keys[k], period = format(periods[lo:hi]), observed = as.vector(observed(fit)),
      upperbound = as.vector(upperbound(fit)), alarm = as.integer(as.vector(alarms(fit))), b = b,
      reweight = as.integer(reweight), alpha = alpha)
  }
}
write.csv(do.call(rbind, results), out_file, row.names = FALSE)
