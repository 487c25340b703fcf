# Installs the built ionspike into a fresh prefix, checks that only the public API's headers
# were installed, then configures, builds and runs the consumer project against it (in
# WORK_DIR, where it writes its network file), and checks that docs/cpp-api.md shows the
# program and its output:
#   cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -P run_consumer.cmake
file(REMOVE_RECURSE ${WORK_DIR})
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT code EQUAL 0)
    message(FATAL_ERROR "failed (${code}): ${ARGN}\n${out}\n${err}")
  endif()
  message(STATUS "${out}")
endfunction()
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix)
# Only the public API's headers are installed: the consumer cannot reach engine internals.
file(GLOB_RECURSE installed_headers RELATIVE ${WORK_DIR}/prefix/include ${WORK_DIR}/prefix/include/*)
foreach(header IN LISTS installed_headers)
  if(NOT header MATCHES "^ionspike/[a-z_]+\\.hpp$")
    message(FATAL_ERROR "installed header outside the public API: include/${header}")
  endif()
endforeach()
run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix
    -DCMAKE_BUILD_TYPE=Release)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
execute_process(COMMAND ${WORK_DIR}/build/consumer WORKING_DIRECTORY ${WORK_DIR}
                RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
message(STATUS "${out}${err}")
if(NOT code EQUAL 0)
  message(FATAL_ERROR "consumer failed (${code})")
endif()
# docs/cpp-api.md shows this program and its output: both must be the ones tested here.
file(READ ${SOURCE_DIR}/main.cpp program)
file(READ ${SOURCE_DIR}/../../docs/cpp-api.md doc)
string(FIND "${doc}" "${program}" program_at)
string(FIND "${doc}" "${out}" output_at)
if(program_at EQUAL -1 OR output_at EQUAL -1)
  message(FATAL_ERROR "docs/cpp-api.md does not show tests/consumer/main.cpp and its output verbatim")
endif()
