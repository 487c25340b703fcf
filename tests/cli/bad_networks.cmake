# Bad network files: every tests/bad_networks/*.pbtxt must be refused by `ionspike validate`
# and by `ionspike run --out DIR` with exit code 2 and a message that
#   - matches the regular expression on the file's first line, "# expect: REGEX",
#   - names the file and a line number (FILE:LINE:),
# and the refused run must write nothing: neither DIR nor anything in its working directory.
# Plus the command line's own bad input, and one valid run that writes its outputs.
#
# Included from tests/cli/CMakeLists.txt it registers the tests; run as a script
# (cmake -DMODE=... -P bad_networks.cmake) it performs one of them.

if(NOT CMAKE_SCRIPT_MODE_FILE)
  set(_bad_networks_script ${CMAKE_CURRENT_LIST_FILE})
  file(GLOB _bad_networks CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/bad_networks/*.pbtxt)
  foreach(_network IN LISTS _bad_networks)
    get_filename_component(_stem ${_network} NAME_WE)
    add_test(NAME cli.bad_network.${_stem}
             COMMAND ${CMAKE_COMMAND} -DMODE=bad_network -DIONSPIKE=$<TARGET_FILE:ionspike>
                     -DNETWORK=${_network} -DSCRATCH=${CMAKE_CURRENT_BINARY_DIR}/bad_networks/${_stem}
                     -P ${_bad_networks_script})
    set_tests_properties(cli.bad_network.${_stem} PROPERTIES TIMEOUT 120)
  endforeach()

  # The command line itself.
  ionspike_cli_test(unknown_subcommand 2 "subcommand is required|frobnicate" frobnicate examples/default.pbtxt)
  ionspike_cli_test(unknown_option 2 "--frobnicate" run examples/default.pbtxt --frobnicate)
  ionspike_cli_test(no_network_file 2 "network is required" validate)
  ionspike_cli_test(t_stop_negative 2 "--t-stop" run examples/default.pbtxt --t-stop -5)
  ionspike_cli_test(t_stop_nan 2 "command line: error in field '--t-stop': must be in \\(0, 1e\\+12\\] ms, got nan"
                    run examples/default.pbtxt --t-stop nan)
  ionspike_cli_test(threads_zero 2 "--threads" run examples/default.pbtxt --threads 0)
  ionspike_cli_test(unknown_extension 2 "examples/default\\.json: error: unknown network file extension '\\.json'"
                    validate examples/default.json)
  ionspike_cli_test(unknown_extension_run 2 "unknown network file extension '\\.txt'"
                    run examples/default.txt --out ${CMAKE_CURRENT_BINARY_DIR}/never_written)
  file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/a_directory.pbtxt)
  ionspike_cli_test(directory_as_network 2 "a_directory\\.pbtxt: error: cannot open network file: it is a directory"
                    validate ${CMAKE_CURRENT_BINARY_DIR}/a_directory.pbtxt)

  add_test(NAME cli.valid_run_writes_outputs
           COMMAND ${CMAKE_COMMAND} -DMODE=valid_run -DIONSPIKE=$<TARGET_FILE:ionspike>
                   -DNETWORK=${PROJECT_SOURCE_DIR}/examples/default.pbtxt
                   -DSCRATCH=${CMAKE_CURRENT_BINARY_DIR}/valid_run -P ${_bad_networks_script})
  set_tests_properties(cli.valid_run_writes_outputs PROPERTIES TIMEOUT 300)
  return()
endif()

# ---- script mode -------------------------------------------------------------------------

foreach(var MODE IONSPIKE NETWORK SCRATCH)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "bad_networks.cmake: -D${var}=... is required")
  endif()
endforeach()

# A fresh, empty scratch directory: `work` is the working directory of the runs, `out` the
# output directory given to `run` (it must not exist before).
file(REMOVE_RECURSE ${SCRATCH})
file(MAKE_DIRECTORY ${SCRATCH}/work)
set(out_dir ${SCRATCH}/out)

# Runs ionspike with the arguments; sets `code` and `output` (stdout and stderr) in the caller.
function(run_ionspike)
  execute_process(COMMAND ${IONSPIKE} ${ARGN} WORKING_DIRECTORY ${SCRATCH}/work
                  RESULT_VARIABLE result OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr TIMEOUT 100)
  set(code "${result}" PARENT_SCOPE)
  set(output "${stdout}${stderr}" PARENT_SCOPE)
endfunction()

if(MODE STREQUAL "valid_run")
  run_ionspike(run ${NETWORK} --t-stop 50 --out ${out_dir})
  if(NOT code EQUAL 0)
    message(FATAL_ERROR "ionspike run ${NETWORK}: exit code ${code}, expected 0\n${output}")
  endif()
  foreach(name spikes.csv spikes.npy summary.json v_exc.csv v_exc.npy)
    if(NOT EXISTS ${out_dir}/${name})
      message(FATAL_ERROR "${out_dir}/${name} was not written\n${output}")
    endif()
  endforeach()
  file(READ ${out_dir}/summary.json summary)
  if(NOT summary MATCHES "\"simulated_ms\": 50[,\n]" OR NOT summary MATCHES "\"spikes.csv\", \"spikes.npy\"")
    message(FATAL_ERROR "unexpected summary.json:\n${summary}")
  endif()
  file(STRINGS ${out_dir}/spikes.csv header LIMIT_COUNT 1)
  if(NOT header STREQUAL "time_ms,population,neuron")
    message(FATAL_ERROR "unexpected spikes.csv header '${header}'")
  endif()
  file(GLOB stray ${SCRATCH}/work/*)
  if(stray)
    message(FATAL_ERROR "the run wrote into its working directory: ${stray}")
  endif()
  message(STATUS "valid run wrote its outputs\n${output}")
  return()
endif()

if(NOT MODE STREQUAL "bad_network")
  message(FATAL_ERROR "bad_networks.cmake: unknown MODE '${MODE}'")
endif()

file(STRINGS ${NETWORK} first_line LIMIT_COUNT 1)
if(NOT first_line MATCHES "^# expect: (.+)$")
  message(FATAL_ERROR "${NETWORK}: the first line must be '# expect: REGEX', got '${first_line}'")
endif()
set(expect "${CMAKE_MATCH_1}")

foreach(command validate run)
  if(command STREQUAL "run")
    run_ionspike(run ${NETWORK} --out ${out_dir})
  else()
    run_ionspike(validate ${NETWORK})
  endif()
  set(context "ionspike ${command} ${NETWORK}\nexit code ${code}, output:\n${output}")
  if(NOT code EQUAL 2)
    message(FATAL_ERROR "exit code ${code}, expected 2 (bad input)\n${context}")
  endif()
  if(NOT output MATCHES "${expect}")
    message(FATAL_ERROR "the message does not match the expected '${expect}'\n${context}")
  endif()
  # FILE:LINE: with the file as given on the command line and a line number >= 1.
  string(FIND "${output}" "${NETWORK}:" at)
  if(at LESS 0)
    message(FATAL_ERROR "the message does not name the file\n${context}")
  endif()
  string(LENGTH "${NETWORK}:" skip)
  math(EXPR at "${at} + ${skip}")
  string(SUBSTRING "${output}" ${at} -1 rest)
  if(NOT rest MATCHES "^[1-9][0-9]*:")
    message(FATAL_ERROR "the message does not give a line number after the file name\n${context}")
  endif()
  if(EXISTS ${out_dir})
    message(FATAL_ERROR "the refused run created its output directory ${out_dir}\n${context}")
  endif()
  file(GLOB stray ${SCRATCH}/work/*)
  if(stray)
    message(FATAL_ERROR "the refused run wrote into its working directory: ${stray}\n${context}")
  endif()
endforeach()
file(REMOVE_RECURSE ${SCRATCH})
message(STATUS "refused as expected: ${output}")
