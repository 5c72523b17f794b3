# Install rules: bin/longconv, lib/liblongconv.a, include/longconv/*.h (the public API, which includes only LibTorch
# and the standard library) and lib/cmake/longconv/ (longconvConfig.cmake, longconvConfigVersion.cmake,
# longconvTargets.cmake), so an application does find_package(longconv) and links longconv::longconv.
#
# The library is installed static, as it is built: the CLI and the tests link the same archive, so it is compiled
# once, and the model and dataset registries are explicit lists (no static initialisers an archive could drop). Its
# dependencies therefore stay on the exported target's link interface; longconvConfig.cmake finds them again.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set_target_properties(longconv_lib PROPERTIES OUTPUT_NAME longconv EXPORT_NAME longconv)
target_include_directories(longconv_lib INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
# The public headers use C++17 (LibTorch 2.x requires it too).
target_compile_features(longconv_lib PUBLIC cxx_std_17)
# A LibTorch outside the system's library directories stays found by the installed CLI.
set_target_properties(longconv PROPERTIES INSTALL_RPATH_USE_LINK_PATH TRUE)

install(TARGETS longconv RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS longconv_lib EXPORT longconvTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/longconv DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(LONGCONV_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/longconv)
install(EXPORT longconvTargets NAMESPACE longconv:: DESTINATION ${LONGCONV_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/longconvConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/longconvConfig.cmake INSTALL_DESTINATION ${LONGCONV_CMAKE_DIR})
# 0.x: a minor release may change the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/longconvConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/longconvConfig.cmake ${PROJECT_BINARY_DIR}/longconvConfigVersion.cmake
        DESTINATION ${LONGCONV_CMAKE_DIR})
