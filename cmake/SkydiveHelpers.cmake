# Helpers that every module uses, so that module CMakeLists stay short and uniform.
#
#   skydive_add_library(NAME <target> SOURCES ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
#     A static library whose public headers live in <folder>/include. PUBLIC_DEPS must only name
#     the modules the DAG of ARCHITECTURE.md allows; a module can only include what it links.
#   skydive_add_test(NAME <target> SOURCES ... DEPS ...)
#     A GoogleTest binary whose tests ctest discovers one by one.
#   skydive_add_fuzzer(NAME <target> SOURCES ... DEPS ...)
#     A libFuzzer target (only in the fuzz preset).
#   skydive_add_bench(NAME <target> SOURCES ... DEPS ...)
#     A Google Benchmark binary, run by `make bench`.

include(GoogleTest)

set(SKYDIVE_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wno-unused-parameter)
if(SKYDIVE_WERROR)
  list(APPEND SKYDIVE_WARNINGS -Werror)
endif()

if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  # Asio 1.74 only detects coroutines through <experimental/coroutine> on clang (toolchain.md §3).
  add_compile_definitions(BOOST_ASIO_HAS_CO_AWAIT=1 BOOST_ASIO_HAS_STD_COROUTINE=1)
endif()
add_compile_definitions(SIMDJSON_THREADS_ENABLED=1)

if(SKYDIVE_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    # -fsanitize=function breaks coroutine code on clang 14 (toolchain.md §3).
    add_compile_options(-fno-sanitize=function)
  endif()
endif()

if(SKYDIVE_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
endif()

# Every executable (skydive, tests, benches) allocates through jemalloc (ADR 002): less RSS per
# live node than glibc malloc and no malloc_consolidate stall after a large free. Not under the
# sanitizers, which bring their own allocator.
function(skydive_link_allocator target)
  if(NOT SKYDIVE_SANITIZE AND NOT SKYDIVE_TSAN)
    target_link_libraries(${target} PRIVATE PkgConfig::JEMALLOC)
    target_compile_definitions(${target} PRIVATE SKYDIVE_JEMALLOC=1)
  endif()
endfunction()

function(_skydive_parse prefix)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "NAME" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS;DEPS")
  foreach(v NAME SOURCES PUBLIC_DEPS PRIVATE_DEPS DEPS)
    set(${prefix}_${v} "${ARG_${v}}" PARENT_SCOPE)
  endforeach()
endfunction()

function(skydive_add_library)
  _skydive_parse(L ${ARGN})
  add_library(${L_NAME} STATIC ${L_SOURCES})
  target_include_directories(${L_NAME} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                       PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_compile_options(${L_NAME} PRIVATE ${SKYDIVE_WARNINGS})
  target_link_libraries(${L_NAME} PUBLIC ${L_PUBLIC_DEPS} PRIVATE ${L_PRIVATE_DEPS})
endfunction()

function(skydive_add_test)
  _skydive_parse(T ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_compile_options(${T_NAME} PRIVATE ${SKYDIVE_WARNINGS})
  target_link_libraries(${T_NAME} PRIVATE ${T_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  skydive_link_allocator(${T_NAME})
  target_compile_definitions(${T_NAME} PRIVATE
    SKYDIVE_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    SKYDIVE_SHARED_DIR="${PROJECT_SOURCE_DIR}/../shared")
  gtest_discover_tests(${T_NAME} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300)
endfunction()

function(skydive_add_fuzzer)
  _skydive_parse(F ${ARGN})
  add_executable(${F_NAME} ${F_SOURCES})
  target_compile_options(${F_NAME} PRIVATE -fsanitize=fuzzer,address,undefined -fno-sanitize=function)
  target_link_options(${F_NAME} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(${F_NAME} PRIVATE ${F_DEPS})
  # `fuzzers` builds only the fuzz targets and what they link: `make fuzz` needs nothing else.
  if(NOT TARGET fuzzers)
    add_custom_target(fuzzers)
  endif()
  add_dependencies(fuzzers ${F_NAME})
endfunction()

function(skydive_add_bench)
  _skydive_parse(B ${ARGN})
  add_executable(${B_NAME} ${B_SOURCES})
  target_compile_options(${B_NAME} PRIVATE ${SKYDIVE_WARNINGS})
  target_link_libraries(${B_NAME} PRIVATE ${B_DEPS} benchmark::benchmark)
  skydive_link_allocator(${B_NAME})
  set_property(GLOBAL APPEND PROPERTY SKYDIVE_BENCHES ${B_NAME})
endfunction()

# Adds every immediate sub-folder of the current source dir that has a CMakeLists.txt, so that
# modules, tests, benchmarks and fuzzers are picked up without editing a shared list.
function(skydive_add_subdirectories)
  file(GLOB children LIST_DIRECTORIES true RELATIVE ${CMAKE_CURRENT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/*)
  list(SORT children)
  foreach(child ${children})
    if(IS_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/${child} AND EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${child}/CMakeLists.txt)
      add_subdirectory(${child})
    endif()
  endforeach()
endfunction()
