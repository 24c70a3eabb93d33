# `cmake --install build --prefix PREFIX` (docs/install.md): the lcperf command (and the
# MPI sweep plugin it opens beside itself), the static libraries with their headers
# under include/lcperf/<folder>/, the data the binary reads at run time under
# share/lcperf/ (the source tree's layout, so core/data_root.cpp finds either), a CMake
# package (find_package(lcperf): lcperf::core ... lcperf::cli, lcperf::lcperf the
# command) and lcperf.pc for pkg-config.
include(CMakePackageConfigHelpers)

get_property(lcperf_libraries GLOBAL PROPERTY LCPERF_LIBRARIES)
set(lcperf_package_dir ${CMAKE_INSTALL_LIBDIR}/cmake/lcperf)

install(TARGETS ${lcperf_libraries} EXPORT lcperfTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/lcperf)
install(TARGETS lcperf EXPORT lcperfTargets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET lcperf_sweep_mpi)
  install(TARGETS lcperf_sweep_mpi LIBRARY DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
foreach(folder IN LISTS LCPERF_LIBRARY_FOLDERS)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${folder}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/lcperf/${folder}
          FILES_MATCHING PATTERN "*.hpp" PATTERN "*.h" PATTERN "*.cuh")
endforeach()

# The data: every file the binary opens by id or by a path the shipped files name.
set(lcperf_data_dir ${CMAKE_INSTALL_DATADIR}/lcperf)
foreach(folder scenarios sweeps schema traces/data cost_models/devices cost_models/stacks)
  get_filename_component(parent ${folder} DIRECTORY)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${folder} DESTINATION ${lcperf_data_dir}/${parent}
          PATTERN "README.md" EXCLUDE)
endforeach()

install(EXPORT lcperfTargets NAMESPACE lcperf:: DESTINATION ${lcperf_package_dir})
set(LCPERF_INSTALL_DATA_DIR ${lcperf_data_dir})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/lcperfConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/lcperfConfig.cmake INSTALL_DESTINATION ${lcperf_package_dir}
                              PATH_VARS LCPERF_INSTALL_DATA_DIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/lcperfConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/lcperfConfig.cmake ${PROJECT_BINARY_DIR}/lcperfConfigVersion.cmake
        DESTINATION ${lcperf_package_dir})

# pkg-config: static libraries, so the whole chain goes in Libs, highest layer first.
set(lcperf_pc_libs "")
foreach(name lcperf_cli lcperf_studies lcperf_runs lcperf_tiny_model lcperf_reports lcperf_sim lcperf_backends
        lcperf_schedulers lcperf_traces lcperf_cost_models lcperf_kernels lcperf_core)
  get_target_property(type ${name} TYPE)
  if(NOT type STREQUAL "INTERFACE_LIBRARY")
    string(APPEND lcperf_pc_libs " -l${name}")
  endif()
endforeach()
# The prefix is found from the .pc file's own place, so a copied prefix still works.
string(REGEX REPLACE "[^/]+" ".." lcperf_pc_up "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
set(lcperf_pc_dl "")
foreach(lib IN LISTS CMAKE_DL_LIBS)
  string(APPEND lcperf_pc_dl " -l${lib}")
endforeach()
configure_file(${CMAKE_CURRENT_LIST_DIR}/lcperf.pc.in ${PROJECT_BINARY_DIR}/lcperf.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/lcperf.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
