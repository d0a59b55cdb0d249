/* A C program outside the subsidy tree, built against the installed package through the C API
 * (subsidy.h): allocates a plan over a roster and prints each pool's budget and grant in fen, like
 * consumer.cpp. */
#include <stdio.h>

#include "subsidy/subsidy.h"

int main(int argc, char** argv) {
  subsidy_plan* plan = NULL;
  subsidy_roster* roster = NULL;
  subsidy_run* run = NULL;
  size_t pools = 0;
  int status = 0;
  if (argc != 3) {
    fprintf(stderr, "usage: consumer_c PLAN ROSTER\n");
    return 2;
  }
  if (subsidy_plan_load(&plan, argv[1]) != SUBSIDY_OK ||
      subsidy_roster_load_csv(&roster, argv[2]) != SUBSIDY_OK ||
      subsidy_allocate(&run, plan, roster, 0) != SUBSIDY_OK) {
    fprintf(stderr, "%s\n", subsidy_last_error());
    status = 2;
  } else {
    pools = subsidy_run_pool_count(run);
  }
  for (size_t index = 0; status == 0 && index < pools; ++index) {
    subsidy_pool_summary pool;
    if (subsidy_run_pool(&pool, run, index) != SUBSIDY_OK) {
      fprintf(stderr, "%s\n", subsidy_last_error());
      status = 1;
      break;
    }
    printf("%s %lld %lld\n", pool.id, (long long)pool.budget_fen, (long long)pool.granted_fen);
  }
  subsidy_run_free(run);
  subsidy_roster_free(roster);
  subsidy_plan_free(plan);
  return status;
}
