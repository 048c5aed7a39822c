package workspace

import "testing"

func TestCacheDir(t *testing.T) {
	for _, tc := range []struct{ xdg, home, want string }{
		{"/x/cache", "/home/ann", "/x/cache/vsync"},
		{"", "/home/ann", "/home/ann/.cache/vsync"},
		{"relative", "/home/ann", "/home/ann/.cache/vsync"}, // XDG requires an absolute path
	} {
		env := map[string]string{"XDG_CACHE_HOME": tc.xdg, "HOME": tc.home}
		got, err := Home{Getenv: func(k string) string { return env[k] }}.CacheDir()
		if err != nil || got != tc.want {
			t.Errorf("CacheDir with XDG_CACHE_HOME=%q HOME=%q: %q %v, want %q", tc.xdg, tc.home, got, err, tc.want)
		}
	}
}
